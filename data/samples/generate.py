#!/usr/bin/env python3
"""Regenerates the sample mailbox in data/samples/maildir/new/.

Every non-UTF-8 body and encoded word is produced by the system `iconv`
(an encoder independent of the Rust code under test), from the UTF-8 texts
below. Output is deterministic: run it again and `git diff` stays empty.

    python3 data/samples/generate.py

Stdlib only. The expectations live in expected.json (written by hand, not
generated, so a generator bug cannot silently change what the tests expect).
"""

import base64
import hashlib
import os
import quopri
import re
import struct
import subprocess
import sys
import zlib

sys.dont_write_bytecode = True  # no __pycache__ next to the samples

HERE = os.path.dirname(os.path.abspath(__file__))
MAILDIR = os.path.join(HERE, "maildir")

# Message-IDs that other samples refer to.
ID_TRANSFER = "20261127100512.wangfang.3f9a@mail.example.com"
ID_CARD_LEAK = "1795749300.zhangwei.77d2@163.example.com"
ID_REPLY_REFUND = "reply-20261127-0042@help.alipay.com"
ID_REPLY_LIZHE = "reply-20261127-0107@help.alipay.com"
ID_REPLY_CARD = "reply-20261127-0088@help.alipay.com"


def iconv(text, charset):
    """Encodes with iconv; fails loudly if a character does not fit."""
    out = subprocess.run(["iconv", "-f", "UTF-8", "-t", charset],
                         input=text.encode("utf-8"), capture_output=True)
    if out.returncode != 0:
        sys.exit(f"iconv -t {charset} failed: {out.stderr.decode()}")
    return out.stdout


def iconv_decodes(data, charset):
    """Whether `iconv -f charset` accepts the bytes."""
    return subprocess.run(["iconv", "-f", charset, "-t", "UTF-8"], input=data,
                          capture_output=True).returncode == 0


def encode(text, charset):
    return text.encode("utf-8") if charset.lower() == "utf-8" else iconv(text, charset)


def word_b(text, charset, split_bytes=None, label=None):
    """RFC 2047 B encoded word(s), labelled `label` (default: charset). With
    split_bytes, the encoded bytes are cut every split_bytes bytes regardless
    of character boundaries, as some mailers do."""
    data, label = encode(text, charset), label or charset
    step = split_bytes or len(data) or 1
    chunks = [data[i:i + step] for i in range(0, len(data), step)]
    return "\n ".join(f"=?{label}?B?{base64.b64encode(c).decode()}?=" for c in chunks)


def word_q(text, charset):
    """RFC 2047 Q encoded word: everything but ASCII letters and digits escaped."""
    data = encode(text, charset)
    q = "".join(chr(b) if (chr(b).isalnum() and b < 128) else f"={b:02X}" for b in data)
    return f"=?{charset}?Q?{q}?="


HELP = f"{word_b('支付宝客服', 'UTF-8')} <help@alipay.com>"


def headers(**fields):
    """Header block from keyword arguments; `_` in names becomes `-`."""
    return "".join(f"{k.replace('_', '-')}: {v}\n" for k, v in fields.items())


def b64_body(data):
    return base64.encodebytes(data)


def qp_body(data):
    return quopri.encodestring(data)


def png(width=24, height=16):
    """A tiny valid PNG: a blue title bar over white rows, like a phone
    screenshot of a transfer receipt."""
    rows = b""
    for y in range(height):
        color = b"\x16\x77\xff" if y < 4 else (b"\xee\xee\xee" if y % 4 == 0 else b"\xff\xff\xff")
        rows += b"\x00" + color * width

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def text_part(text, charset, cte):
    body = encode(text, charset)
    if cte == "base64":
        body = b64_body(body)
    elif cte == "quoted-printable":
        body = qp_body(body)
    return body


def mail(head, body, crlf=False):
    raw = head.encode("utf-8") + b"\n" + body
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") if crlf else raw


def single(head, text, charset, cte, subtype="plain", crlf=False):
    head += headers(MIME_Version="1.0",
                    Content_Type=f"text/{subtype}; charset=\"{charset}\"",
                    Content_Transfer_Encoding=cte)
    return mail(head, text_part(text, charset, cte), crlf)


def multipart(kind, boundary, parts, extra=""):
    """parts: list of (header text, body bytes)."""
    out = b"This is a multi-part message in MIME format.\n\n"
    for head, body in parts:
        out += f"--{boundary}\n{head}\n".encode("utf-8") + body
        if not body.endswith(b"\n"):
            out += b"\n"
    out += f"--{boundary}--\n".encode()
    ctype = f'multipart/{kind};{extra} boundary="{boundary}"'
    return ctype, out


from texts import TEXTS  # noqa: E402  (the customer texts, kept apart)


def sample_gbk():
    t = TEXTS["gbk"]
    head = headers(Return_Path="<wang.fang@example.com>",
                   From=f"{word_b('王芳', 'GBK')} <wang.fang@example.com>", To=HELP,
                   Subject=word_b("转错账了，请帮忙追回￥200.00", "GBK"),
                   Date="Fri, 27 Nov 2026 10:05:12 +0800", Message_ID=f"<{ID_TRANSFER}>",
                   X_Mailer="Foxmail 7.2.25.375")
    return single(head, t, "gbk", "8bit")


def sample_gb2312_mislabel():
    t = TEXTS["gb2312"]
    body = iconv(t, "GBK")
    # The point of this sample: the label says GB2312, the bytes need GBK.
    assert not iconv_decodes(body, "GB2312") and iconv_decodes(body, "GBK")
    head = headers(From=f"{word_b('张堃', 'GBK', label='gb2312')} <zhangkun1988@126.example.com>",
                   To=HELP, Subject=word_b("花呗显示逾期？我是张堃", "GBK", label="gb2312"),
                   Date="Fri, 27 Nov 2026 10:31:40 +0800",
                   Message_ID="<1795746700.zhangkun.c41e@126.example.com>",
                   MIME_Version="1.0", Content_Type='text/plain; charset="gb2312"',
                   Content_Transfer_Encoding="8bit")
    return mail(head, body, crlf=True)


def sample_gb18030():
    t = TEXTS["gb18030"]
    assert any(len(iconv(c, "GB18030")) == 4 for c in t)
    head = headers(From=f"{word_b('孙悦', 'GB18030')} <sunyue@example.cn>", To=HELP,
                   Subject=word_b("双十二预热红包被扣了但订单没付成😭", "GB18030", split_bytes=13),
                   Date="Fri, 27 Nov 2026 11:02:09 +0800",
                   Message_ID="<20261127110209.sunyue.a8b0@example.cn>")
    return single(head, t, "GB18030", "8bit")


def sample_big5():
    t = TEXTS["big5"]
    head = headers(From=f"{word_b('陳怡君', 'big5')} <yijun.chen@example.com.tw>", To=HELP,
                   Subject=word_b("跨境支付被凍結，請協助解凍", "big5"),
                   Date="Fri, 27 Nov 2026 09:12:30 +0800",
                   Message_ID="<A1B2C3D4.20261127091230.yijun@example.com.tw>")
    return single(head, t, "big5", "8bit")


def sample_utf8_base64():
    t = TEXTS["refund"]
    head = headers(From=f"{word_b('刘洋', 'UTF-8')} <liu.yang@example.com>", To=HELP,
                   Subject=word_b("商户退款7天还没到账（35元）", "UTF-8"),
                   Date="Fri, 27 Nov 2026 09:45:00 +0800",
                   Message_ID="<CAH7x9Lq2026112709450012@mail.gmail.example.com>")
    return single(head, t, "UTF-8", "base64", crlf=True)


def sample_utf8_qp():
    t = TEXTS["card_leak"]
    head = headers(From=f"{word_q('张伟', 'UTF-8')} <zhangwei@163.example.com>", To=HELP,
                   Subject=word_q("银行卡信息可能泄露，请协助冻结", "UTF-8"),
                   Date="Fri, 27 Nov 2026 10:35:00 +0800", Message_ID=f"<{ID_CARD_LEAK}>")
    return single(head, t, "UTF-8", "quoted-printable")


def sample_html_only():
    head = headers(From=f"{word_b('周婷', 'UTF-8')} <zhouting@qq.example.com>", To=HELP,
                   Subject=word_b("双十二红包领了却看不到", "UTF-8"),
                   Date="Fri, 27 Nov 2026 12:20:45 +0800",
                   Message_ID="<tencent_8F7E6D5C4B3A2910@qq.example.com>")
    return single(head, TEXTS["html"], "utf-8", "quoted-printable", subtype="html")


def sample_png():
    name = "转账截图.png"
    rfc2231 = "".join(f"%{b:02X}" for b in name.encode("utf-8"))
    ctype, body = multipart("mixed", "----=_Part_20261127_1030", [
        ('Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: base64\n',
         b64_body(TEXTS["png"].encode("utf-8"))),
        (f'Content-Type: image/png; name="{word_b(name, "UTF-8")}"\n'
         "Content-Transfer-Encoding: base64\n"
         f"Content-Disposition: attachment; filename*=UTF-8''{rfc2231}\n",
         b64_body(png())),
    ])
    head = headers(From=f"{word_b('王芳', 'UTF-8')} <wang.fang@example.com>", To=HELP,
                   Subject=word_b("补发转错账截图（订单2026112722001412345678901234）", "UTF-8"),
                   Date="Fri, 27 Nov 2026 10:30:00 +0800",
                   Message_ID="<20261127103000.wangfang.51c2@mail.example.com>",
                   MIME_Version="1.0", Content_Type=ctype)
    return mail(head, body)


def sample_auto_reply():
    head = headers(From=f"{word_b('刘洋', 'UTF-8')} <liu.yang@example.com>", To=HELP,
                   Subject=word_b("自动回复: Re: 商户退款7天还没到账（35元）", "UTF-8"),
                   Date="Fri, 27 Nov 2026 14:02:11 +0800",
                   Message_ID="<autoreply.20261127140211.liuyang@example.com>",
                   In_Reply_To=f"<{ID_REPLY_REFUND}>", Auto_Submitted="auto-replied",
                   X_Autoreply="yes", X_Auto_Response_Suppress="All")
    return single(head, TEXTS["auto_reply"], "UTF-8", "8bit")


def sample_bounce():
    original = TEXTS["bounce_headers"].replace("{ID}", ID_CARD_LEAK)
    ctype, body = multipart("report", "4F3A1C2B9D.1795750803/mx1.alipay.com", [
        ("Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n",
         TEXTS["bounce_text"].encode()),
        ("Content-Description: Delivery report\nContent-Type: message/delivery-status\n",
         TEXTS["bounce_status"].encode()),
        ("Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n"
         "Content-Transfer-Encoding: 8bit\n", original.encode()),
    ], extra=" report-type=delivery-status;")
    head = headers(Return_Path="<>", From="Mail Delivery System <MAILER-DAEMON@mx1.alipay.com>",
                   To="help@alipay.com", Subject="Undelivered Mail Returned to Sender",
                   Date="Fri, 27 Nov 2026 11:20:03 +0800 (CST)",
                   Message_ID="<20261127032003.9E1F2C0A11@mx1.alipay.com>",
                   Auto_Submitted="auto-replied", MIME_Version="1.0", Content_Type=ctype)
    return mail(head, body, crlf=True)


def sample_follow_up():
    head = headers(From=f"{word_b('王芳', 'UTF-8')} <wang.fang@example.com>", To=HELP,
                   Subject=word_b("Re: 转错账了，请帮忙追回￥200.00", "UTF-8"),
                   Date="Fri, 27 Nov 2026 10:48:31 +0800",
                   Message_ID="<20261127104831.wangfang.9b07@mail.example.com>",
                   In_Reply_To=f"<{ID_TRANSFER}>", References=f"<{ID_TRANSFER}>")
    return single(head, TEXTS["follow_up"], "UTF-8", "quoted-printable")


def sample_no_message_id():
    # A raw UTF-8 subject (RFC 6532), as some web forms and scripts send.
    head = headers(From="chenjing@example.net", To="help@alipay.com",
                   Subject="花呗额度突然从8000降到了500", Date="Fri, 27 Nov 2026 13:15:00 +0800")
    return single(head, TEXTS["no_id"], "utf-8", "8bit")


def sample_malformed():
    # Deterministic binary garbage: no header block at all.
    data, seed = b"", b"omnilisten-malformed-sample"
    while len(data) < 700:
        seed = hashlib.sha256(seed).digest()
        data += seed
    return b"\x00\x01\xfe\xff" + data[:700]


def sample_outlook_zh():
    t, h = TEXTS["outlook_zh"], TEXTS["outlook_zh_html"]
    ctype, body = multipart("alternative", "----=_NextPart_000_0012_01DB4F2A.6B3C9E10", [
        ('Content-Type: text/plain;\n\tcharset="gb2312"\nContent-Transfer-Encoding: quoted-printable\n',
         qp_body(iconv(t, "GB2312"))),
        ('Content-Type: text/html;\n\tcharset="gb2312"\nContent-Transfer-Encoding: quoted-printable\n',
         qp_body(iconv(h, "GB2312"))),
    ])
    head = headers(From=f'"{word_q("黄磊", "gb2312")}" <huanglei@example.com.cn>', To=HELP,
                   Subject=word_q("答复: 关于您的退款申请", "gb2312"),
                   Date="Fri, 27 Nov 2026 15:40:22 +0800",
                   Message_ID="<000c01db4f2a$6b3c9e10$41b5d830$@example.com.cn>",
                   In_Reply_To=f"<{ID_REPLY_REFUND}>", X_Mailer="Microsoft Outlook 16.0",
                   MIME_Version="1.0", Content_Type=ctype)
    return mail(head, body, crlf=True)


def sample_outlook_en_related():
    t, h = TEXTS["outlook_en"], TEXTS["outlook_en_html"]
    related_type, related = multipart("related", "_004_related_HK", [
        ('Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: base64\n',
         b64_body(h.encode("utf-8"))),
        ('Content-Type: image/png; name="image001.png"\nContent-Description: image001.png\n'
         'Content-Disposition: inline; filename="image001.png"\nContent-ID: <image001.png@01DB4F2A>\n'
         "Content-Transfer-Encoding: base64\n", b64_body(png(12, 8))),
    ], extra=' type="text/html";')
    ctype, body = multipart("alternative", "_000_alternative_HK", [
        ('Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n',
         qp_body(t.encode("utf-8"))),
        (f"Content-Type: {related_type}\n", related),
    ])
    head = headers(From="Chan Tai Man <taiman.chan@example.com.hk>", To="help@alipay.com",
                   Subject="RE: Cross-border payment frozen / 跨境付款被凍結".replace(
                       "跨境付款被凍結", word_b("跨境付款被凍結", "UTF-8")),
                   Date="Fri, 27 Nov 2026 16:05:37 +0800",
                   Message_ID="<HK0PR01MB6789A1B2C3D4E5F6@HK0PR01MB6789.apcprd01.prod.example.com>",
                   In_Reply_To=f"<{ID_REPLY_CARD}>", MIME_Version="1.0", Content_Type=ctype)
    return mail(head, body, crlf=True)


def sample_qq_reply():
    t, h = TEXTS["qq_reply"], TEXTS["qq_reply_html"]
    ctype, body = multipart("alternative", "----=_NextPart_6745A1B2_0C3D4E5F_1A2B3C4D", [
        ('Content-Type: text/plain;\n\tcharset="gb18030"\nContent-Transfer-Encoding: base64\n',
         b64_body(iconv(t, "GB18030"))),
        ('Content-Type: text/html;\n\tcharset="gb18030"\nContent-Transfer-Encoding: base64\n',
         b64_body(iconv(h, "GB18030"))),
    ])
    head = headers(From=f'"{word_b("李喆", "gb18030")}" <lizhe@qq.example.com>', To=HELP,
                   Subject=word_b("回复：回复：退款延迟", "gb18030"),
                   Date="Fri, 27 Nov 2026 15:20:03 +0800",
                   Message_ID="<tencent_1A2B3C4D5E6F708192@qq.example.com>",
                   In_Reply_To=f"<{ID_REPLY_LIZHE}>", References=f"<{ID_REPLY_LIZHE}>",
                   X_Mailer="QQMail 2.x", MIME_Version="1.0", Content_Type=ctype)
    return mail(head, body)


def sample_euc_cn_raw_subject():
    # An old web-form gateway: raw 8-bit GBK subject, charset label mail
    # parsers rarely know ("euc-cn").
    t = TEXTS["euc_cn"]
    head = (f"From: service-form@example.org\nTo: help@alipay.com\n"
            f"Date: Fri, 27 Nov 2026 17:00:00 +0800\n"
            f"Message-ID: <form-20261127170000-0031@example.org>\n").encode()
    head += b"Subject: " + iconv("网页表单：退款申请被商户拒绝", "GBK") + b"\n"
    head += b"MIME-Version: 1.0\nContent-Type: text/plain; charset=euc-cn\nContent-Transfer-Encoding: 8bit\n"
    return head + b"\n" + iconv(t, "GBK")


SAMPLES = [
    (1795745112, sample_gbk),
    (1795746700, sample_gb2312_mislabel),
    (1795748529, sample_gb18030),
    (1795741950, sample_big5),
    (1795743900, sample_utf8_base64),
    (1795747200, sample_utf8_qp),
    (1795753245, sample_html_only),
    (1795746600, sample_png),
    (1795759331, sample_auto_reply),
    (1795749603, sample_bounce),
    (1795747711, sample_follow_up),
    (1795756500, sample_no_message_id),
    (1795758000, sample_malformed),
    (1795765222, sample_outlook_zh),
    (1795766737, sample_outlook_en_related),
    (1795764003, sample_qq_reply),
    (1795770000, sample_euc_cn_raw_subject),
]


def main():
    new = os.path.join(MAILDIR, "new")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(MAILDIR, sub), exist_ok=True)
    for name in os.listdir(new):
        if re.fullmatch(r"\d+\.M\d+P\d+Q\d+\.samples", name):
            os.remove(os.path.join(new, name))
    for n, (stamp, make) in enumerate(SAMPLES, start=1):
        name = f"{stamp}.M{n}P{1000 + n}Q{n}.samples"
        with open(os.path.join(new, name), "wb") as f:
            f.write(make())
        print(f"{name}  {make.__name__}")


if __name__ == "__main__":
    main()
