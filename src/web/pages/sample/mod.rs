//! Realistic sample views for the tests and the rendered previews: the
//! topics and customers of `data/samples` and `rules/40-topics.toml`
//! (双十二抢红包失败, 转错账, 花呗逾期, 退款, 跨境冻结, 信息泄露). Every
//! number is invented and every phone or card number already masked.

mod accounts;
mod incidents;
mod tickets;

pub use accounts::*;
pub use incidents::*;
pub use tickets::*;

use crate::web::pages::view::*;

/// The CSRF token of the sample session.
pub const CSRF: &str = "k3J9cQ2vX8mR1tY6wZ0aB4nD7fH5gL2s";

/// A signed-in shell for `role`.
pub fn shell(role: Role, section: Section) -> Shell {
    let (name, display_name) = match role {
        Role::Reviewer => ("wangli", "王丽"),
        Role::Agent => ("zhaomin", "赵敏"),
        Role::Admin => ("admin", "系统管理员"),
    };
    Shell {
        user: SignedIn {
            name: name.into(),
            display_name: display_name.into(),
            role,
        },
        csrf: CSRF.into(),
        flashes: Vec::new(),
        section,
    }
}

/// A reviewer or agent of the sample team.
pub(super) fn person(name: &str, display_name: &str) -> Person {
    Person {
        name: name.into(),
        display_name: display_name.into(),
    }
}

/// One audit line.
pub(super) fn audit(
    time: &str,
    actor: &str,
    subject: &str,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> AuditRow {
    AuditRow {
        time: time.into(),
        actor: actor.into(),
        subject: subject.into(),
        action: action.into(),
        before: before.map(str::to_string),
        after: after.map(str::to_string),
    }
}

/// A message list row without a subject.
pub(super) fn row(
    id: &str,
    channel: Channel,
    author: &str,
    time: &str,
    excerpt: &str,
    ticket: Option<&str>,
) -> MessageRow {
    MessageRow {
        id: id.into(),
        channel,
        author: author.into(),
        time: time.into(),
        subject: None,
        excerpt: excerpt.into(),
        ticket: ticket.map(str::to_string),
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

const HONGBAO_REPLY: &str = "您好，双十二活动参与人数较多，如遇“系统繁忙”请稍后重试；红包到账情况可在“我的-红包”查看。仍未解决请私信我们，工单 20261212-000042。";

fn hongbao() -> IncidentRef {
    IncidentRef {
        number: "20261212-000042".into(),
        title: "双十二抢红包失败".into(),
        firing: true,
        members: 312,
    }
}

fn draft_row(
    id: &str,
    channel: Channel,
    state: DraftState,
    [author, first_line, reply, time]: [&str; 4],
    assignee: Option<&str>,
    covers: usize,
) -> DraftRow {
    DraftRow {
        id: id.into(),
        channel,
        state,
        author: author.into(),
        first_line: first_line.into(),
        reply_excerpt: reply.into(),
        time: time.into(),
        assignee: assignee.map(str::to_string),
        covers,
        over_limit: false,
    }
}

/// The review queue: a firing incident, a calmer one, and single replies.
pub fn drafts() -> DraftsPage {
    let tab = |label: &str, value: &str, count: Option<u64>| StateTab {
        label: label.into(),
        value: value.into(),
        count,
    };
    DraftsPage {
        tabs: vec![
            tab("待处理", "proposed,edited,uncertain", Some(37)),
            tab("已批准", "approved,sending", Some(3)),
            tab("失败", "failed", Some(2)),
            tab("已发送", "sent", None),
            tab("已驳回", "rejected", None),
            tab("全部", "all", None),
        ],
        state: "proposed,edited,uncertain".into(),
        groups: vec![
            DraftGroupView {
                title: "双十二抢红包失败".into(),
                incident: Some(hongbao()),
                drafts: vec![
                    draft_row("0193b6f2-7c41-7a10-9d3e-5f1c2a9b8e01", Channel::Weibo, DraftState::Proposed, ["奶茶要三分糖", "@支付宝 我也是！付款时红包直接消失了 [怒] //@小鱼干不加糖:#双十二抢红包失败# 零点准时抢的，显示领取成功但下单用不了", HONGBAO_REPLY, "12-12 09:41"], Some("王丽"), 57),
                    draft_row("0193b6f2-8a02-7b31-8c4d-6e2d3b0c9f12", Channel::Weibo, DraftState::Edited, ["小鱼干不加糖", "#双十二抢红包失败# 零点准时抢的，显示领取成功但下单用不了 [怒][泪]", "您好，很抱歉让您久等。双十二红包可在“我的-红包”查看使用规则，下单时请确认商品在活动范围内。", "12-12 00:03"], Some("陈晨"), 23),
                    draft_row("0193b6f3-1d55-7c02-a1b2-7f3e4c1d0a23", Channel::Wechat, DraftState::Uncertain, ["微信用户 …PfL2M", "双十二预热红包被扣了但订单没付成，钱什么时候退回来？", "您好，关于“双十二抢红包失败”的问题我们已收到并在集中处理（工单 20261212-000042）。", "12-12 00:12"], None, 12),
                    draft_row("0193b6f3-2e66-7d13-b2c3-803f5d2e1b34", Channel::Weibo, DraftState::Failed { reason: "Weibo refused it as repeated content (20019): the account published the same text just before — edit the reply".into() }, ["蚂蚁森林能量君", "抢到的红包用不了，客服电话也打不进去", HONGBAO_REPLY, "12-12 00:20"], Some("王丽"), 4),
                ],
            },
            DraftGroupView {
                title: "转错账与诈骗".into(),
                incident: Some(IncidentRef {
                    number: "20261212-000043".into(),
                    title: "转错账与诈骗".into(),
                    firing: false,
                    members: 48,
                }),
                drafts: vec![
                    draft_row("0193b701-0a11-7e24-83d4-914f6e3f2c45", Channel::Wechat, DraftState::Proposed, ["微信用户 …9xQ1a", "我2026-12-12 20:15转错账给了138****5678，求帮忙冻结对方账户", "您好，请勿在公开渠道透露账号或验证码。如涉及诈骗请立即拨打95188并报警，我们已建立紧急工单 20261212-000043。", "12-12 20:17"], None, 3),
                    draft_row("0193b701-1b22-7f35-94e5-a25f7f4a3d56", Channel::Weibo, DraftState::Approved, ["晴天不带伞", "转账转错人了怎么办啊，对方不接电话 @支付宝", "您好，请勿在公开评论中透露账号、验证码或银行卡信息。如涉及诈骗或盗刷，请立即拨打95188并报警。", "12-12 20:31"], Some("陈晨"), 1),
                ],
            },
            DraftGroupView {
                title: "单条回复".into(),
                incident: None,
                drafts: vec![
                    draft_row("0193b702-2c33-7046-a5f6-b36f8f5b4e67", Channel::Wechat, DraftState::Failed { reason: "the 48-hour customer-service window has closed or the user unfollowed (45015)".into() }, ["微信用户 …m3Zk8", "花呗显示逾期了，可我明明按时还款了，会影响征信吗", "您好，花呗还款成功后逾期标记会在 1 个工作日内更新，不影响征信。如仍有疑问请回复账单截图。", "12-10 08:15"], None, 1),
                    draft_row("0193b702-3d44-7157-b6a7-c47f9f6c5f78", Channel::Weibo, DraftState::Sent, ["出差的猫", "在日本扫码付款被冻结了，跨境支付怎么解冻", "您好，跨境支付因风控被冻结时，请在“我的-客服”提交身份验证，通常 24 小时内解冻。", "12-11 14:02"], Some("王丽"), 1),
                ],
            },
        ],
        next: Some("ZHJhZnQ6MjAyNjEyMTA6MDE5M2I3MDI".into()),
        paged: false,
    }
}

fn hongbao_target() -> MessageView {
    MessageView {
        id: "0193b6f1-f0a0-7a00-8000-000000000001".into(),
        channel: Channel::Weibo,
        author: "奶茶要三分糖".into(),
        author_id: "7123456789".into(),
        time: "2026-12-12 09:41".into(),
        subject: None,
        text: "@支付宝 我也是！付款时红包直接消失了 [怒] 商家订单号:MX2026121200123，35块的红包一分没用上，客服电话也打不进去。".into(),
        quoted: Some("//@小鱼干不加糖:#双十二抢红包失败# 零点准时抢的，显示领取成功但下单用不了 [怒][泪]\n//@蚂蚁森林能量君:转发微博".into()),
        attachments: vec![AttachmentRow {
            name: "红包页面截图.jpg".into(),
            mime_type: "image/jpeg".into(),
            size: 243_712,
            missing: None,
        }],
        details: DetailsView {
            order_numbers: strings(&["MX2026121200123"]),
            amounts: strings(&["35 CNY"]),
            dates: strings(&["2026-12-12"]),
            times: strings(&["00:00"]),
            category: Some("活动红包".into()),
            ..DetailsView::default()
        },
        ticket: Some("20261212-000042".into()),
        mail_kind: None,
    }
}

fn covered() -> Vec<MessageRow> {
    let rows = [
        (
            "小鱼干不加糖",
            "12-12 00:03",
            "#双十二抢红包失败# 零点准时抢的，显示领取成功但下单用不了 [怒][泪]",
        ),
        (
            "蚂蚁森林能量君",
            "12-12 00:05",
            "红包领了用不了 +1，支付宝给个说法 #双十二抢红包失败#",
        ),
        (
            "周末去爬山",
            "12-12 00:06",
            "@支付宝 抢到的 20 元红包下单时提示不可用？？",
        ),
        (
            "七月的风",
            "12-12 00:09",
            "红包显示已领取，付款页面却看不到，到底怎么回事",
        ),
        (
            "一只安静的胖子",
            "12-12 00:11",
            "同问！双十二红包消失了，付款时没有抵扣",
        ),
        (
            "Lily_在杭州",
            "12-12 00:14",
            "#双十二抢红包失败# 红包过期时间写的是今天，可是一直用不了",
        ),
    ];
    rows.iter()
        .enumerate()
        .map(|(i, (who, at, text))| {
            row(
                &format!("0193b6f1-f0a0-7a00-8000-00000000010{i}"),
                Channel::Weibo,
                who,
                at,
                text,
                Some("20261212-000042"),
            )
        })
        .collect()
}

/// A proposed Weibo reply to the red-packet incident.
pub fn draft_weibo() -> DraftPage {
    DraftPage {
        id: "0193b6f2-7c41-7a10-9d3e-5f1c2a9b8e01".into(),
        channel: Channel::Weibo,
        connector: "weibo-official".into(),
        state: DraftState::Proposed,
        body: HONGBAO_REPLY.into(),
        version: "2026-12-12T01:41:09.123456Z".into(),
        created: "2026-12-12 09:41".into(),
        updated: "2026-12-12 09:41".into(),
        assignee: Some("wangli".into()),
        approved_by: None,
        last_error: None,
        next_attempt: None,
        sent_at: None,
        incident: Some(hongbao()),
        target: Some(hongbao_target()),
        covered: covered(),
        covered_total: 57,
        limit: LimitView {
            unit: LimitUnit::Chars,
            max: Some(140),
            used: HONGBAO_REPLY.trim().chars().count(),
            problem: None,
        },
        reviewers: vec![
            person("wangli", "王丽"),
            person("chenchen", "陈晨"),
            person("lina", "李娜"),
        ],
        audit: vec![
            audit(
                "2026-12-12 09:41",
                "system:incidents",
                "0193b6f2-7c41",
                "draft.proposed",
                None,
                Some("proposed"),
            ),
            audit(
                "2026-12-12 09:52",
                "admin",
                "0193b6f2-7c41",
                "draft.reassigned",
                Some("{\"assignee\":null}"),
                Some("{\"assignee\":\"wangli\"}"),
            ),
        ],
    }
}

/// A WeChat reply whose send nobody is sure of.
pub fn draft_uncertain() -> DraftPage {
    let body = "您好，关于“双十二抢红包失败”的问题我们已收到并在集中处理（工单 20261212-000042）。请直接回复订单号或截图，客服核实后会在这里答复您。";
    let mut view = draft_weibo();
    view.id = "0193b6f3-1d55-7c02-a1b2-7f3e4c1d0a23".into();
    view.channel = Channel::Wechat;
    view.connector = "wechat-oa".into();
    view.state = DraftState::Uncertain;
    view.body = body.into();
    view.approved_by = Some("wangli".into());
    view.last_error = Some("the connection to api.weixin.qq.com was lost after the request was sent (operation timed out)".into());
    view.limit = LimitView {
        unit: LimitUnit::Bytes,
        max: Some(2048),
        used: body.len(),
        problem: None,
    };
    view.covered_total = 12;
    view.covered = vec![
        row(
            "w1",
            Channel::Wechat,
            "微信用户 …7Hc2d",
            "12-12 00:14",
            "红包被扣了订单没成功，怎么退",
            Some("20261212-000042"),
        ),
        row(
            "w2",
            Channel::Wechat,
            "微信用户 …Qa81x",
            "12-12 00:19",
            "预热红包付款失败了，钱扣了，订单里没有",
            Some("20261212-000042"),
        ),
        row(
            "w3",
            Channel::Wechat,
            "微信用户 …Lp0Zt",
            "12-12 00:23",
            "双十二红包扣款未到账，订单号见截图",
            Some("20261212-000042"),
        ),
    ];
    view.target = Some(MessageView {
        id: "0193b6f3-0000-7000-8000-000000000201".into(),
        channel: Channel::Wechat,
        author: "微信用户 …PfL2M".into(),
        author_id: "o6_bmjrPTlm6_2sgVt7hMZOPfL2M".into(),
        time: "2026-12-12 00:12".into(),
        subject: None,
        text: "双十二预热红包被扣了但订单没付成，钱什么时候退回来？订单号 2026121222001456789012345678，扣了 ¥35。".into(),
        quoted: None,
        attachments: vec![AttachmentRow { name: "微信图片_20261212001130.jpg".into(), mime_type: "image/jpeg".into(), size: 1_392_640, missing: None }],
        details: DetailsView {
            order_numbers: strings(&["2026121222001456789012345678"]),
            amounts: strings(&["35 CNY"]),
            ..DetailsView::default()
        },
        ticket: Some("20261212-000042".into()),
        mail_kind: None,
    });
    view.audit.extend([
        audit(
            "2026-12-12 10:03",
            "wangli",
            "",
            "draft.approved",
            Some("proposed"),
            Some("approved"),
        ),
        audit(
            "2026-12-12 10:03",
            "system:publisher",
            "",
            "draft.sending",
            Some("approved"),
            Some("sending"),
        ),
        audit(
            "2026-12-12 10:04",
            "system:publisher",
            "",
            "draft.uncertain",
            Some("sending"),
            Some("uncertain"),
        ),
    ]);
    view
}

/// A Weibo reply refused as repeated content (20019).
pub fn draft_failed() -> DraftPage {
    let mut view = draft_weibo();
    view.id = "0193b6f3-2e66-7d13-b2c3-803f5d2e1b34".into();
    view.state = DraftState::Failed {
        reason: "Weibo refused it as repeated content (20019): the account published the same text just before — edit the reply".into(),
    };
    view.approved_by = Some("wangli".into());
    view
}

/// A WeChat reply over the 2,048-byte limit, for the counter's red state.
pub fn draft_too_long() -> DraftPage {
    let body = "您好，关于花呗逾期与还款的问题说明如下。".repeat(40);
    let mut view = draft_uncertain();
    view.state = DraftState::Edited;
    view.body = body.clone();
    view.limit = LimitView {
        unit: LimitUnit::Bytes,
        max: Some(2048),
        used: body.len(),
        problem: Some(format!(
            "the reply is {} bytes; WeChat customer-service texts take at most 2048 (a Chinese character is 3 bytes)",
            body.len()
        )),
    };
    view
}
