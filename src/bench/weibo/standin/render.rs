//! Items as Weibo sends them: statuses, comments and users in the JSON
//! shapes of research/weibo.md §3, with times in `+0800`.

use chrono::{DateTime, FixedOffset, Offset, Utc};
use serde_json::{Value, json};

use super::corpus::User;
use super::data::World;

/// Clients items are posted from: (name, link) for `source`.
pub(crate) const SOURCES: &[(&str, &str)] = &[
    ("微博 weibo.com", "http://weibo.com"),
    ("iPhone客户端", "http://app.weibo.com/t/feed/2qiQRa"),
    ("Android客户端", "http://app.weibo.com/t/feed/4ACxed"),
    ("HUAWEI Mate 60 Pro", "http://app.weibo.com/t/feed/6vtZb0"),
    ("微博网页版", "http://app.weibo.com/t/feed/6vtZb0"),
];

/// China Standard Time, which Weibo writes every time in.
pub(crate) fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// `Tue May 31 17:46:55 +0800 2011`.
pub(crate) fn created_at(at: DateTime<Utc>) -> String {
    at.with_timezone(&beijing())
        .format("%a %b %d %H:%M:%S %z %Y")
        .to_string()
}

fn source(index: usize) -> String {
    let (name, link) = SOURCES.get(index).copied().unwrap_or(SOURCES[0]);
    format!("<a href=\"{link}\" rel=\"nofollow\">{name}</a>")
}

/// Weibo's `textLength`: ASCII counts 1, everything else 2.
fn text_length(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// A user object.
pub(crate) fn user(u: &User) -> Value {
    let avatar = |size: &str| format!("http://tvax1.sinaimg.cn/{size}/{}.jpg", u.avatar);
    let head = json!({
        "id": u.id,
        "idstr": u.id.to_string(),
        "class": 1,
        "screen_name": u.screen_name,
        "name": u.screen_name,
        "province": u.province,
        "city": u.city,
        "location": u.location,
        "description": u.description,
        "url": "",
        "profile_image_url": avatar("crop.0.0.512.512.50"),
        "profile_url": format!("u/{}", u.id),
        "domain": "",
        "weihao": "",
        "gender": u.gender,
        "followers_count": u.followers,
        "friends_count": u.friends,
        "pagefriends_count": 0,
        "statuses_count": u.statuses,
        "favourites_count": u.favourites,
        "created_at": created_at(u.created_at),
        "following": false,
        "allow_all_act_msg": u.verified,
        "geo_enabled": true,
        "verified": u.verified,
        "verified_type": u.verified_type,
        "remark": "",
        "ptype": 0,
        "allow_all_comment": true,
        "avatar_large": avatar("crop.0.0.512.512.180"),
        "avatar_hd": avatar("crop.0.0.512.512.1024"),
        "verified_reason": u.verified_reason,
    });
    // Split in two: one json! this size exceeds the macro recursion limit.
    let rest = json!({
        "verified_trade": "",
        "verified_reason_url": "",
        "verified_source": "",
        "verified_source_url": "",
        "follow_me": false,
        "like": false,
        "like_me": false,
        "online_status": 0,
        "bi_followers_count": u.friends / 3,
        "lang": "zh-cn",
        "star": 0,
        "mbtype": 0,
        "mbrank": 0,
        "block_word": 0,
        "block_app": 0,
        "credit_score": 80,
        "user_ability": 0,
        "urank": 4 + (u.id % 30),
        "story_read_state": -1,
        "vclub_member": 0,
    });
    merge(head, rest)
}

/// `a` with the keys of `b` added.
fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// A status with its author and, for reposts, the root original.
pub(crate) fn status(world: &World, id: i64) -> Value {
    let Some(s) = world.statuses.get(&id) else {
        return Value::Null;
    };
    let author = world.users.get(s.user).map(user).unwrap_or(Value::Null);
    let pic = |size: &str, pid: &str| format!("http://wx1.sinaimg.cn/{size}/{pid}.jpg");
    let out = json!({
        "created_at": created_at(s.created_at),
        "id": s.id,
        "idstr": s.id.to_string(),
        "mid": s.id.to_string(),
        "can_edit": false,
        "show_additional_indication": 0,
        "text": s.text,
        "textLength": text_length(&s.text),
        "source_allowclick": 0,
        "source_type": 1,
        "source": source(s.source),
        "favorited": false,
        "truncated": false,
        "in_reply_to_status_id": "",
        "in_reply_to_user_id": "",
        "in_reply_to_screen_name": "",
        "pic_urls": s.pics.iter().map(|p| json!({"thumbnail_pic": pic("thumbnail", p)})).collect::<Vec<_>>(),
        "geo": null,
        "is_paid": false,
        "mblog_vip_type": 0,
        "user": author,
        "reposts_count": s.reposts,
        "comments_count": s.comments,
        "attitudes_count": s.attitudes,
    });
    let rest = json!({
        "pending_approval_count": 0,
        "isLongText": s.long_text,
        "mlevel": 0,
        "visible": {"type": 0, "list_id": 0},
        "biz_feature": 0,
        "hasActionTypeCard": 0,
        "darwin_tags": [],
        "hot_weibo_tags": [],
        "text_tag_tips": [],
        "rid": "0",
        "userType": 0,
        "more_info_type": 0,
        "positive_recom_flag": 0,
        "content_auth": 0,
        "gif_ids": "",
        "is_show_bulletin": 2,
        "comment_manage_info": {"comment_permission_type": -1, "approval_comment_type": 0},
    });
    let mut out = merge(out, rest);
    if let (Some(first), Some(map)) = (s.pics.first(), out.as_object_mut()) {
        // Only when there are pictures: absent, not empty, otherwise.
        map.insert("thumbnail_pic".into(), pic("thumbnail", first).into());
        map.insert("bmiddle_pic".into(), pic("bmiddle", first).into());
        map.insert("original_pic".into(), pic("large", first).into());
    }
    if let (Some(root), Some(map)) = (s.retweeted, out.as_object_mut()) {
        map.insert("retweeted_status".into(), status(world, root));
    }
    out
}

/// A comment; `full` adds the status commented on and the comment replied to.
pub(crate) fn comment(world: &World, id: i64, full: bool) -> Value {
    let Some(c) = world.comments.get(&id) else {
        return Value::Null;
    };
    let author = world.users.get(c.user).map(user).unwrap_or(Value::Null);
    let mut out = json!({
        "created_at": created_at(c.created_at),
        "id": c.id,
        "idstr": c.id.to_string(),
        // Comments' mid differs from their id (research §3).
        "mid": (c.id - 1_405_372_342_309_700).to_string(),
        "rootid": root_of(world, c.id),
        "floor_number": 0,
        "text": c.text,
        "source_allowclick": 0,
        "source_type": 1,
        "source": source(c.source),
        "user": author,
        "disable_reply": 0,
    });
    if let Some(map) = out.as_object_mut().filter(|_| full) {
        map.insert("status".into(), status(world, c.status));
        if let Some(parent) = c.reply_to {
            map.insert("reply_comment".into(), comment(world, parent, false));
        }
    }
    out
}

/// The first comment of a reply chain.
fn root_of(world: &World, mut id: i64) -> i64 {
    // Bounded: chains only point to older comments, but never trust a loop.
    for _ in 0..1000 {
        match world.comments.get(&id).and_then(|c| c.reply_to) {
            Some(parent) => id = parent,
            None => break,
        }
    }
    id
}
