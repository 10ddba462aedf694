//! Sample tickets of the mail desk, one whole thread, a search.

use super::{audit, person, row};
use crate::web::pages::view::*;

fn ticket_row(
    [number, title, requester]: [&str; 3],
    priority: Priority,
    state: TicketState,
    assignee: Option<&str>,
    updated: &str,
    messages: u64,
) -> TicketRow {
    TicketRow {
        number: number.into(),
        title: title.into(),
        requester: requester.into(),
        queue: "email".into(),
        priority,
        state,
        assignee: assignee.map(str::to_string),
        updated: updated.into(),
        messages,
        incident: false,
    }
}

fn ticket_rows() -> Vec<TicketRow> {
    use Priority::*;
    use TicketState::*;
    let mut incident = ticket_row(
        ["20261212-000042", "双十二抢红包失败", "system:trends"],
        High,
        Open,
        Some("王丽"),
        "12-12 00:29",
        312,
    );
    incident.queue = "incidents".into();
    incident.incident = true;
    vec![
        incident,
        ticket_row(
            [
                "20261127-000006",
                "银行卡信息可能泄露，请协助冻结",
                "zhangwei@163.example.com",
            ],
            Urgent,
            New,
            None,
            "11-27 16:02",
            2,
        ),
        ticket_row(
            [
                "20261127-000001",
                "转错账了，请帮忙追回￥200.00",
                "liuyang@126.example.com",
            ],
            Urgent,
            Open,
            Some("赵敏"),
            "11-27 11:40",
            4,
        ),
        ticket_row(
            [
                "20261127-000004",
                "跨境支付被凍結，請協助解凍",
                "chen.meiling@gmail.example.com",
            ],
            High,
            Open,
            Some("孙磊"),
            "11-27 10:58",
            1,
        ),
        ticket_row(
            [
                "20261127-000015",
                "RE: Cross-border payment frozen / 跨境付款被凍結",
                "kwong.ws@netvigator.example.com",
            ],
            High,
            Pending,
            Some("孙磊"),
            "11-27 10:51",
            3,
        ),
        ticket_row(
            [
                "20261127-000003",
                "双十二预热红包被扣了但订单没付成😭",
                "xiaoyu2008@qq.example.com",
            ],
            Normal,
            Pending,
            Some("周婷"),
            "11-27 10:12",
            2,
        ),
        ticket_row(
            [
                "20261127-000002",
                "花呗显示逾期？我是张堃",
                "zhangkun@sina.example.com",
            ],
            Normal,
            New,
            None,
            "11-27 09:47",
            1,
        ),
        ticket_row(
            [
                "20261127-000005",
                "商户退款7天还没到账（35元）",
                "wangfang@163.example.com",
            ],
            Normal,
            Open,
            Some("赵敏"),
            "11-27 09:30",
            2,
        ),
        ticket_row(
            [
                "20261127-000017",
                "网页表单：退款申请被商户拒绝",
                "hejing@form.alipay.example.com",
            ],
            Normal,
            New,
            None,
            "11-27 09:12",
            1,
        ),
        ticket_row(
            [
                "20261127-000012",
                "花呗额度突然从8000降到了500",
                "lhq1990@163.example.com",
            ],
            Low,
            Resolved,
            Some("周婷"),
            "11-27 08:55",
            3,
        ),
        ticket_row(
            [
                "20261127-000016",
                "回复：回复：退款延迟",
                "sunxiaomei@qq.example.com",
            ],
            Low,
            Closed,
            Some("赵敏"),
            "11-27 08:20",
            5,
        ),
    ]
}

/// The ticket queue, unfiltered.
pub fn tickets() -> TicketsPage {
    TicketsPage {
        filter: TicketFilter::default(),
        queues: vec![
            "email".into(),
            "wechat".into(),
            "weibo".into(),
            "incidents".into(),
        ],
        assignees: vec![
            person("zhaomin", "赵敏"),
            person("sunlei", "孙磊"),
            person("zhouting", "周婷"),
        ],
        rows: ticket_rows(),
        next: Some("dGlja2V0OjIwMjYxMTI3OjA4MjA".into()),
        paged: false,
    }
}

const FIRST_MAIL: &str = "您好，支付宝客服：\n\n我今天上午10点02分给朋友转账200元，结果手机号输错了一位，转给了一个陌生人（138****5678）。\n交易号：2026112722001412345678901234\n\n请问能帮我追回吗？对方一直没有回复我，这笔钱是给孩子交学费的，很着急。\n\n刘洋";

fn mail(id: &str, time: &str, subject: &str, text: &str) -> MessageView {
    MessageView {
        id: id.into(),
        channel: Channel::Email,
        author: "刘洋".into(),
        author_id: "liuyang@126.example.com".into(),
        time: time.into(),
        subject: Some(subject.into()),
        text: text.into(),
        quoted: None,
        attachments: Vec::new(),
        details: DetailsView::default(),
        ticket: None,
        mail_kind: None,
    }
}

fn thread() -> Vec<ThreadItem> {
    let mut first = mail(
        "0193a1c0-0001-7000-8000-000000000001",
        "2026-11-27 10:05",
        "转错账了，请帮忙追回￥200.00",
        FIRST_MAIL,
    );
    first.details = DetailsView {
        order_numbers: vec!["2026112722001412345678901234".into()],
        amounts: vec!["200 CNY".into()],
        times: vec!["10:02".into()],
        phones: vec!["138****5678".into()],
        accounts: vec!["138****5678".into()],
        category: Some("转错账".into()),
        ..DetailsView::default()
    };
    let mut follow_up = mail(
        "0193a1c0-0002-7000-8000-000000000002",
        "2026-11-27 10:31",
        "Re: [#20261127-000001] 转错账了，请帮忙追回￥200.00",
        "补充一下：对方账号是 138****5678，转账时间是今天上午10:02。转账截图见附件。",
    );
    follow_up.quoted = Some("在 2026年11月27日 10:05，刘洋 <liuyang@126.example.com> 写道：\n> 您好，支付宝客服：\n> 我今天上午10点02分给朋友转账200元，结果手机号输错了一位……\n> 交易号：2026112722001412345678901234".into());
    follow_up.attachments = vec![AttachmentRow {
        name: "转账截图.png".into(),
        mime_type: "image/png".into(),
        size: 1_184,
        missing: None,
    }];
    follow_up.details.phones = vec!["138****5678".into()];
    vec![
        ThreadItem::Message(Box::new(first)),
        ThreadItem::Outgoing(OutgoingView {
            author: "system:acknowledgement".into(),
            time: "2026-11-27 10:05".into(),
            to: "liuyang@126.example.com".into(),
            subject: "[#20261127-000001] 我们已收到您的来信".into(),
            body: "您好，我们已收到您的来信，工单号 20261127-000001。客服会在 24 小时内回复，请勿重复发送。".into(),
            state: "sent".into(),
            error: None,
        }),
        ThreadItem::Message(Box::new(follow_up)),
        ThreadItem::Note(NoteView {
            author: "赵敏".into(),
            time: "2026-11-27 11:20".into(),
            body: "已提交转错账申诉（申诉编号 AP-20261127-0091），对方账户已临时限制收款。等待对方回应，预计 1–3 个工作日。".into(),
            internal: true,
        }),
        ThreadItem::Outgoing(OutgoingView {
            author: "赵敏".into(),
            time: "2026-11-27 11:40".into(),
            to: "liuyang@126.example.com".into(),
            subject: "Re: [#20261127-000001] 转错账了，请帮忙追回￥200.00".into(),
            body: "刘先生您好：\n\n我们已为您提交转错账申诉，并已联系收款方。收款方同意退回后，200 元将原路退回您的账户。\n如有进展我们会第一时间邮件通知您。\n\n支付宝客服 赵敏".into(),
            state: "sent".into(),
            error: None,
        }),
    ]
}

/// An email ticket with a follow-up, a note and our replies.
pub fn ticket() -> TicketPage {
    TicketPage {
        number: "20261127-000001".into(),
        title: "转错账了，请帮忙追回￥200.00".into(),
        requester: "liuyang@126.example.com".into(),
        channel: Channel::Email,
        queue: "email".into(),
        priority: Priority::Urgent,
        state: TicketState::Open,
        assignee: Some("zhaomin".into()),
        created: "2026-11-27 10:05".into(),
        updated: "2026-11-27 11:40".into(),
        thread: thread(),
        omitted: 0,
        incident: None,
        agents: vec![
            person("zhaomin", "赵敏"),
            person("sunlei", "孙磊"),
            person("zhouting", "周婷"),
        ],
        reply_subject: "Re: [#20261127-000001] 转错账了，请帮忙追回￥200.00".into(),
        mail_enabled: true,
        audit: vec![
            audit(
                "2026-11-27 10:05",
                "system:rules",
                "20261127-000001",
                "ticket.opened",
                None,
                Some("new"),
            ),
            audit(
                "2026-11-27 10:31",
                "system:pipeline",
                "20261127-000001",
                "ticket.reopened",
                None,
                Some("{\"message\":\"0193a1c0-0002\"}"),
            ),
            audit(
                "2026-11-27 11:18",
                "zhaomin",
                "20261127-000001",
                "ticket.assigned",
                Some("{\"assignee\":null}"),
                Some("{\"assignee\":\"zhaomin\"}"),
            ),
            audit(
                "2026-11-27 11:18",
                "zhaomin",
                "20261127-000001",
                "ticket.state",
                Some("new"),
                Some("open"),
            ),
            audit(
                "2026-11-27 11:20",
                "zhaomin",
                "20261127-000001",
                "note.added",
                None,
                Some("{\"internal\":true}"),
            ),
            audit(
                "2026-11-27 11:40",
                "zhaomin",
                "20261127-000001",
                "ticket.replied",
                None,
                Some("{\"outbox\":\"ob-7f31\"}"),
            ),
        ],
    }
}

/// A search by trade number that found a ticket and two messages.
pub fn search() -> SearchPage {
    let hit =
        |id: &str, author: &str, time: &str, subject: Option<&str>, excerpt: &str| MessageHitRow {
            matched: "order".into(),
            term: "2026112722001412345678901234".into(),
            message: MessageRow {
                subject: subject.map(str::to_string),
                ..row(
                    id,
                    Channel::Email,
                    author,
                    time,
                    excerpt,
                    Some("20261127-000001"),
                )
            },
        };
    SearchPage {
        q: "2026112722001412345678901234".into(),
        kind: None,
        tickets: ticket_rows()
            .into_iter()
            .filter(|t| t.number == "20261127-000001")
            .collect(),
        messages: vec![
            hit(
                "a1",
                "刘洋",
                "11-27 10:05",
                Some("转错账了，请帮忙追回￥200.00"),
                "您好，支付宝客服：我今天上午10点02分给朋友转账200元，结果手机号输错了一位……",
            ),
            hit(
                "a2",
                "刘洋",
                "11-27 10:31",
                Some("补发转错账截图（订单2026112722001412345678901234）"),
                "补充一下：对方账号是 138****5678，转账时间是今天上午10:02。",
            ),
        ],
    }
}
