//! Sample incidents: two firing, three calm.

use super::row;
use crate::web::pages::view::*;

/// Unique authors per minute: a quiet baseline, then a burst from `burst_at`.
fn series(minutes: usize, burst_at: usize, peak: u32) -> Vec<u32> {
    (0..minutes)
        .map(|i| {
            // A fixed wobble, so previews are the same on every run.
            let quiet = [1, 0, 2, 1, 2, 1, 0, 1][i % 8];
            if i < burst_at {
                quiet
            } else {
                let t = (i - burst_at) as u32;
                let rise = peak.saturating_sub(t.saturating_sub(6) * 2).min(4 + t * 5);
                rise.max(quiet)
            }
        })
        .collect()
}

fn incident_row(
    (number, title): (&str, &str),
    firing: bool,
    [onset, fired]: [&str; 2],
    (members, drafts): (u64, u64),
    last_hour: Vec<u32>,
) -> IncidentRow {
    IncidentRow {
        number: number.into(),
        title: title.into(),
        firing,
        onset: onset.into(),
        fired: fired.into(),
        members,
        drafts,
        last_hour,
    }
}

/// The incident list.
pub fn incidents() -> IncidentsPage {
    IncidentsPage {
        incidents: vec![
            incident_row(
                ("20261212-000042", "双十二抢红包失败"),
                true,
                ["12-12 00:00", "12-12 00:07"],
                (312, 41),
                series(60, 30, 26),
            ),
            incident_row(
                ("20261212-000044", "商户退款延迟"),
                true,
                ["12-12 10:20", "12-12 10:34"],
                (87, 9),
                series(60, 44, 11),
            ),
            incident_row(
                ("20261212-000043", "转错账与诈骗"),
                false,
                ["12-12 20:05", "12-12 20:14"],
                (48, 6),
                series(60, 60, 0),
            ),
            incident_row(
                ("20261208-000017", "跨境支付冻结"),
                false,
                ["12-08 15:41", "12-08 15:55"],
                (33, 4),
                vec![0; 60],
            ),
            incident_row(
                ("20261201-000006", "银行卡信息泄露"),
                false,
                ["12-01 09:12", "12-01 09:30"],
                (21, 3),
                vec![],
            ),
        ],
        next: None,
    }
}

/// The red-packet incident in full.
pub fn incident() -> IncidentPage {
    let counts = series(60, 30, 26);
    let per_minute = counts
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let minute = (23 * 60 + 30 + i) % (24 * 60);
            (format!("{:02}:{:02}", minute / 60, minute % 60), *n)
        })
        .collect();
    let drafts = super::drafts().groups.remove(0).drafts;
    let drafts_total = drafts.len() as u64;
    IncidentPage {
        number: "20261212-000042".into(),
        title: "双十二抢红包失败".into(),
        topic: "double12-hongbao".into(),
        firing: true,
        ticket_state: TicketState::Open,
        onset: "2026-12-12 00:00".into(),
        fired: "2026-12-12 00:07".into(),
        resolved: None,
        count: 37,
        baseline: 2.1,
        p_value: 4.1e-9,
        window_minutes: 15,
        per_minute,
        chart_as_of: Some("2026-12-12 00:29".into()),
        members: vec![
            row(
                "m1",
                Channel::Weibo,
                "Lily_在杭州",
                "12-12 00:29",
                "#双十二抢红包失败# 红包过期时间写的是今天，可是一直用不了",
                Some("20261212-000042"),
            ),
            row(
                "m2",
                Channel::Wechat,
                "微信用户 …PfL2M",
                "12-12 00:28",
                "双十二预热红包被扣了但订单没付成，钱什么时候退回来？",
                Some("20261212-000042"),
            ),
            row(
                "m3",
                Channel::Weibo,
                "一只安静的胖子",
                "12-12 00:27",
                "同问！双十二红包消失了，付款时没有抵扣",
                Some("20261212-000042"),
            ),
            row(
                "m4",
                Channel::Email,
                "林晓 <linxiao@qq.example.com>",
                "12-12 00:26",
                "双十二红包领了却看不到，麻烦查一下",
                Some("20261212-000051"),
            ),
            row(
                "m5",
                Channel::Weibo,
                "七月的风",
                "12-12 00:25",
                "红包显示已领取，付款页面却看不到，到底怎么回事",
                Some("20261212-000042"),
            ),
        ],
        members_total: 312,
        members_next: Some("0196a3b1c2d37e4f8a9b0c1d2e3f4a5b".into()),
        drafts,
        drafts_total,
        drafts_next: None,
        members_paged: false,
        drafts_paged: false,
    }
}
