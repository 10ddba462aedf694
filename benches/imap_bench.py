#!/usr/bin/env python3
"""Helpers of benches/imap_vs_imaplib.sh (stdlib only).

  append     generate N realistic support mails and APPEND them to a folder
             (MULTIAPPEND, 500 per command)
  imaplib    the reference client: imaplib fetches the folder in UID batches,
             `email` parses every mail (headers, decoded text); prints the rate
  omnilisten start the daemon, poll /api/stats until N inputs are durable,
             stop it; prints the rate
"""

import argparse
import base64
import email
import email.policy
import imaplib
import json
import random
import signal
import subprocess
import sys
import time
import urllib.request
from email.header import Header

COMPLAINTS = [
    "我昨天晚上转账{amt}元给朋友，结果转错了账号，对方账户是{acct}，请帮我追回，订单号{order}。",
    "花呗显示我已经逾期了，可是我{day}号就还款了，还款记录在这里，订单号{order}，请核实。",
    "商户答应退款{amt}元，已经过去七天了还没有到账，交易号{order}，请帮忙催一下。",
    "我在泰国扫码支付{amt}元失败，之后账户被冻结了，说是跨境风控，什么时候能解冻？",
    "怀疑我的银行卡信息泄露了，今天凌晨有一笔{amt}元的陌生扣款，交易号{order}。",
    "有人冒充支付宝客服打电话给我，让我转账{amt}元到安全账户，我怀疑是诈骗，请冻结对方{acct}。",
    "余额宝收益今天没有显示，昨天转入了{amt}元，订单号{order}，麻烦查一下。",
    "借呗还款日是{day}号，我提前还了{amt}元，为什么还在计算利息？",
    "退款申请被商户拒绝了，商品根本没有收到，订单号{order}，金额{amt}元，请介入处理。",
]
CONTEXTS = [
    "当时我在地铁上用手机操作，信号不太好。",
    "我已经打过95188了，说让我发邮件说明。",
    "这笔钱是给孩子交学费的，比较着急。",
    "我在App里的在线客服也问了，一直没有结果。",
    "我用的是华为手机，支付宝是最新版本。",
    "我在国外出差，只能用邮件联系你们。",
]
NAMES = ["王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄磊", "周杰", "吴婷"]


def complaint(rng):
    text = rng.choice(COMPLAINTS).format(
        amt=f"{rng.randint(1, 5000)}.{rng.randint(0, 99):02d}",
        acct=f"138****{rng.randint(0, 9999):04d}",
        order=f"2026112722001{rng.randint(0, 10**15 - 1):015d}",
        day=rng.randint(1, 28),
    )
    return f"您好，\n{text}{rng.choice(CONTEXTS)}{rng.choice(CONTEXTS)}\n谢谢！"


def headers(n, rng, subject, ctype, cte, extra=""):
    name = Header(rng.choice(NAMES), "utf-8").encode()
    subj = Header(subject, "utf-8").encode()
    return (
        f"From: {name} <user{rng.randint(0, 99999)}@example.cn>\r\n"
        f"To: help@alipay.com\r\nSubject: {subj}\r\n"
        f"Date: Fri, 27 Nov 2026 10:{n // 60 % 60:02d}:{n % 60:02d} +0800\r\n"
        f"Message-ID: <bench.{n}.{rng.randint(0, 10**6)}@mail.example.cn>\r\n{extra}"
        f"MIME-Version: 1.0\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
    ).encode()


def wrap76(b64):
    return "\r\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))


def mail(n, rng, recent):
    """The mix of src/bench/corpus.rs: UTF-8 QP, HTML base64, GBK 8bit,
    attachments, auto-replies, follow-ups, exact re-deliveries."""
    roll = rng.randrange(100)
    if roll >= 95 and recent:
        return rng.choice(recent)
    text = complaint(rng)
    if roll < 35:
        import quopri
        raw = headers(n, rng, "支付宝客服请帮忙", "text/plain; charset=UTF-8", "quoted-printable")
        raw += quopri.encodestring(text.encode()).replace(b"\n", b"\r\n")
    elif roll < 55:
        html = f"<html><body><p>您好：</p><p>{text}</p><p>谢谢！</p></body></html>"
        raw = headers(n, rng, "问题反馈", "text/html; charset=UTF-8", "base64")
        raw += wrap76(base64.b64encode(html.encode()).decode()).encode()
    elif roll < 75:
        raw = headers(n, rng, "账户问题", "text/plain; charset=GBK", "8bit")
        raw += text.encode("gbk").replace(b"\n", b"\r\n")
    elif roll < 83:
        b = f"b{n}"
        png = bytes((i * 7 + n) % 256 for i in range(600))
        raw = headers(n, rng, "转账截图", f'multipart/mixed; boundary="{b}"', "7bit")
        raw += (
            f"--{b}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"{wrap76(base64.b64encode(text.encode()).decode())}\r\n"
            f"--{b}\r\nContent-Type: image/png; name=\"screenshot.png\"\r\nContent-Disposition: attachment\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{wrap76(base64.b64encode(png).decode())}\r\n--{b}--"
        ).encode()
    elif roll < 88:
        raw = headers(n, rng, "自动回复", "text/plain; charset=UTF-8", "8bit", "Auto-Submitted: auto-replied\r\n")
        raw += "您好，我正在休假，12月1日返回，期间邮件不能及时回复。".encode()
    else:
        extra = f"In-Reply-To: <bench.{max(n - 1, 0)}@mail.example.cn>\r\n"
        raw = headers(n, rng, "Re: 支付宝客服请帮忙", "text/plain; charset=UTF-8", "8bit", extra)
        raw += "请问处理得怎么样了？已经等了三天了。\r\n\r\n在 2026年11月27日 10:00，支付宝客服 写道：\r\n> 您好，已收到您的反馈。".encode()
    raw += b"\r\n"
    recent.append(raw)
    del recent[:-64]
    return raw


def login(args):
    conn = imaplib.IMAP4("127.0.0.1", args.port)
    conn.login(args.user, args.password)
    return conn


def cmd_append(args):
    """MULTIAPPEND with non-synchronizing literals (LITERAL+), 500 mails per
    command: one round trip per batch instead of one per mail."""
    rng = random.Random(args.seed)
    recent = []
    conn = login(args)
    started = time.monotonic()
    for start in range(0, args.count, 500):
        batch = [mail(n, rng, recent) for n in range(start, min(start + 500, args.count))]
        tag = conn._new_tag()
        parts = [tag + b" APPEND " + args.folder.encode()]
        for raw in batch:
            parts.append(b" {%d+}\r\n" % len(raw) + raw)
        conn.send(b"".join(parts) + b"\r\n")
        while True:
            line = conn.readline()
            if line.startswith(tag):
                if not line.startswith(tag + b" OK"):
                    sys.exit(f"APPEND failed: {line!r}")
                break
    conn.logout()
    print(f"appended {args.count} mails in {time.monotonic() - started:.1f} s", file=sys.stderr)


def text_of(msg):
    part = msg.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def cmd_imaplib(args):
    started = time.monotonic()
    conn = login(args)
    conn.select(args.folder, readonly=True)
    typ, data = conn.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    parsed = 0
    for i in range(0, len(uids), args.batch):
        chunk = uids[i:i + args.batch]
        typ, data = conn.uid("FETCH", b"%s:%s" % (chunk[0], chunk[-1]), "(UID RFC822.SIZE BODY.PEEK[])")
        for item in data:
            if not isinstance(item, tuple):
                continue
            msg = email.message_from_bytes(item[1], policy=email.policy.default)
            _ = (msg["subject"], msg["from"], msg["message-id"], text_of(msg))
            parsed += 1
    conn.logout()
    elapsed = time.monotonic() - started
    print(json.dumps({"mails": parsed, "seconds": elapsed, "rate": parsed / elapsed}))


def stats(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            s = json.load(r)
        return s["messages"]["total"] + s["duplicates"] + s["quarantined"]
    except OSError:
        return -1


def cmd_omnilisten(args):
    url = f"http://127.0.0.1:{args.http}/api/stats"
    log = open(args.log, "wb")
    started = time.monotonic()
    daemon = subprocess.Popen([args.binary, "run", "--config", args.config], stdout=log, stderr=log)
    try:
        while (done := stats(url)) < args.count:
            if daemon.poll() is not None:
                sys.exit(f"omnilisten exited: see {args.log}")
            if time.monotonic() - started > args.timeout:
                sys.exit(f"only {done} of {args.count} after {args.timeout} s: see {args.log}")
            time.sleep(0.02)
        elapsed = time.monotonic() - started
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=15)
    print(json.dumps({"mails": args.count, "seconds": elapsed, "rate": args.count / elapsed}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["append", "imaplib", "omnilisten"])
    p.add_argument("--port", type=int, help="IMAP port on 127.0.0.1")
    p.add_argument("--user", default="bench")
    p.add_argument("--password", default="pw")
    p.add_argument("--folder", default="INBOX")
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--batch", type=int, default=500, help="UIDs per UID FETCH")
    p.add_argument("--binary", help="the omnilisten binary")
    p.add_argument("--config", help="omnilisten.toml")
    p.add_argument("--http", type=int, help="omnilisten's HTTP port")
    p.add_argument("--log", default="/dev/null")
    p.add_argument("--timeout", type=float, default=300)
    args = p.parse_args()
    {"append": cmd_append, "imaplib": cmd_imaplib, "omnilisten": cmd_omnilisten}[args.command](args)


if __name__ == "__main__":
    main()
