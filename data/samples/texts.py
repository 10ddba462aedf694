"""The sample mails' bodies, as UTF-8 text; generate.py encodes them.

Written for omnilisten in the voice of customers writing to help@alipay.com.
Questions use the full-width ？ so a '?' next to a Chinese character in the
parsed output always means a lossy decoder substituted it.
"""

TEXTS = {}

TEXTS["gbk"] = """您好，支付宝客服：

我今天上午10:02在支付宝给朋友转账，结果转错账了，转给了一个陌生账号（尾号5678，昵称“*明”）。
金额：￥200.00
订单号：2026112722001412345678901234
对方一直不回消息，请问能帮忙追回吗？转账截图我稍后补发。

谢谢！
王芳
"""

# 堃 and 喆 are in GBK but not in GB2312: real "GB2312" mail looks like this.
TEXTS["gb2312"] = """客服你好：

我是张堃（“堃”是两个“方”下面一个“土”），昨天收到短信说我的花呗已逾期，要求尽快还款。
可我11月10日已经用余额宝还了本期账单1,236.50元，App里的还款记录也能看到。
这是第几期账单，为什么显示已逾期？请帮忙查一下原因。逾期记录会不会影响我的征信？

账户是我爱人李喆帮我绑定的，手机号139****2046。

张堃
2026年11月27日
"""

# 𠮷 (U+20BB7) and 😭 (U+1F62D) are four-byte sequences in GB18030.
TEXTS["gb18030"] = """你好，

我在“𠮷野家”小程序点餐，用了双十二预热红包（满50减10），付款时红包被扣了，但订单显示“支付失败”😭
时间：2026年11月27日 10:48
订单号：2026112722001487654321098765
红包现在在卡包里已经看不到了，钱也没扣成功。请问红包能退回吗？

孙悦
"""

TEXTS["big5"] = """支付寶客服您好：

我是台灣用戶陳怡君，11月26日晚上在日本東京用支付寶掃碼付款（金額 JPY 12,800，約新台幣 2,650 元），付款後帳戶顯示「交易凍結」，至今已超過24小時仍未解凍。
訂單編號：2026112622001498765432109876
請問凍結的原因是什麼？需要我提供哪些資料？這筆款項是我旅途中的生活費，十分著急，麻煩儘快協助處理。

謝謝！
陳怡君
"""

TEXTS["refund"] = """客服您好：

11月20日我在“鲜果时光水果店”买的芒果坏了，商户同意退款35元，当天就点了“同意退款”。
到今天已经7天了，余额和银行卡都没有收到这笔钱，订单状态一直是“退款中”。
订单号：2026112022001455556666777788
请问商户退款延迟一般要多久？能不能帮我催一下？

刘洋
"""

TEXTS["card_leak"] = """支付宝客服：

今天早上07:41我收到一条短信，说我尾号3321的招商银行卡在支付宝消费了¥3,000.00，但这笔不是我本人操作的。我怀疑我的银行卡信息被泄露了。
我已经给银行打电话挂失了这张卡，也在App里改了支付密码。请帮我查一下这笔交易（交易号 2026112722001433332222111100）是付给了谁，能不能冻结对方账户、把钱追回来？
另外，我需要开启哪些安全设置？比如双重验证、设备锁之类的，请告诉我具体步骤。

-- 
张伟
电话：138 0013 8000
"""

TEXTS["html"] = """<html><head><meta charset="utf-8"><title>双十二红包</title>
<style type="text/css">body{font-family:"微软雅黑";font-size:14px} .sig{color:#999}</style>
<script>var qmTrack = 1;</script></head>
<body><div>客服你好：</div><div><br></div>
<div>我12月1日在活动页领了双十二红包&nbsp;&yen;20.00，当时显示&ldquo;领取成功&rdquo;，
可现在在&ldquo;我的&rdquo;&rarr;&ldquo;卡包&rdquo;里怎么也找不到。</div>
<p>活动规则写的是&lt;满100元可用&gt;，我今天下单158元也没有抵扣。</p>
<ul><li>账号：187****0923</li><li>领取时间：2026-12-01 20:15</li></ul>
<div>请问红包去哪了？能不能补发？</div><div><br></div>
<div class="sig">周婷<br>发自 QQ 邮箱</div>
</body></html>
"""

TEXTS["png"] = """您好，

这是上午转错账的截图，请看附件“转账截图.png”。
订单号：2026112722001412345678901234，金额￥200.00，收款人昵称“*明”。
麻烦尽快处理，谢谢！

王芳
"""

TEXTS["auto_reply"] = """您好，

我正在休假，12月1日返回，期间不便查看邮件。
如有急事请致电 021-5555 0123。

刘洋
"""

TEXTS["bounce_text"] = """This is the mail system at host mx1.alipay.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

                   The mail system

<risk-desk@old-partner.example.com>: host mx.old-partner.example.com[203.0.113.25]
    said: 550 5.1.1 <risk-desk@old-partner.example.com>: Recipient address
    rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)
"""

TEXTS["bounce_status"] = """Reporting-MTA: dns; mx1.alipay.com
X-Postfix-Queue-ID: 4F3A1C2B9D
X-Postfix-Sender: rfc822; help@alipay.com
Arrival-Date: Fri, 27 Nov 2026 11:20:01 +0800 (CST)

Final-Recipient: rfc822; risk-desk@old-partner.example.com
Original-Recipient: rfc822;risk-desk@old-partner.example.com
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.old-partner.example.com
Diagnostic-Code: smtp; 550 5.1.1 <risk-desk@old-partner.example.com>: Recipient
    address rejected: User unknown in virtual mailbox table
"""

# The headers of the card-leak sample as forwarded by help@'s old rule.
TEXTS["bounce_headers"] = """Return-Path: <help@alipay.com>
Received: from mail.163.example.com (mail.163.example.com [198.51.100.7])
\tby mx1.alipay.com (Postfix) with ESMTPS id 4F3A1C2B9D
\tfor <risk-desk@old-partner.example.com>; Fri, 27 Nov 2026 11:20:01 +0800 (CST)
From: =?UTF-8?Q?=E5=BC=A0=E4=BC=9F?= <zhangwei@163.example.com>
To: =?UTF-8?B?5pSv5LuY5a6d5a6i5pyN?= <help@alipay.com>
Subject: =?UTF-8?Q?=E9=93=B6=E8=A1=8C=E5=8D=A1=E4=BF=A1=E6=81=AF=E5=8F=AF=E8=83=BD=E6=B3=84=E9=9C=B2?=
Date: Fri, 27 Nov 2026 10:35:00 +0800
Message-ID: <{ID}>
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable
"""

TEXTS["follow_up"] = """补充一下：对方账号是 138****5678，转账时间是今天上午10:02。
我已经在App里“我要投诉”提交了投诉，投诉编号 TS20261127000123。

在 2026年11月27日 10:05，王芳 <wang.fang@example.com> 写道：

> 您好，支付宝客服：
>
> 我今天上午10:02在支付宝给朋友转账，结果转错账了，转给了一个陌生账号（尾号5678，昵称“*明”）。
> 金额：￥200.00
> 订单号：2026112722001412345678901234
"""

TEXTS["no_id"] = """你好，

我的花呗额度今天早上突然从8000降到了500，之前一直按时还款，从来没有逾期过。
这两天只是用花呗分期买了一部手机（分12期）。请问额度为什么会降？多久能恢复？

-- 
陈静
"""

TEXTS["outlook_zh"] = """您好，

退款我已经收到了，但金额少了5元：申请的是135元，到账130元。请帮忙核实一下差额的原因。

黄磊

发件人: 支付宝客服 [mailto:help@alipay.com]
发送时间: 2026年11月27日 14:10
收件人: 黄磊 <huanglei@example.com.cn>
主题: 关于您的退款申请

尊敬的用户，您好：
您申请的商户退款已于今日原路退回，请注意查收。
"""

TEXTS["outlook_zh_html"] = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv=Content-Type content="text/html; charset=gb2312">
<style><!-- p.MsoNormal {margin:0cm; font-size:10.5pt; font-family:等线;} --></style></head>
<body lang=ZH-CN><div class=WordSection1>
<p class=MsoNormal>您好，<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>退款我已经收到了，但金额少了5元：申请的是135元，到账130元。请帮忙核实一下差额的原因。<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>黄磊<o:p></o:p></p>
<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>
<p class=MsoNormal><b>发件人:</b> 支付宝客服 [mailto:help@alipay.com]<br>
<b>发送时间:</b> 2026年11月27日 14:10<br><b>收件人:</b> 黄磊 &lt;huanglei@example.com.cn&gt;<br>
<b>主题:</b> 关于您的退款申请<o:p></o:p></p></div>
<p class=MsoNormal>尊敬的用户，您好：<br>您申请的商户退款已于今日原路退回，请注意查收。<o:p></o:p></p>
</div></body></html>
"""

TEXTS["outlook_en"] = """Hi,

My cross-border payment is still frozen (訂單 2026112622001411112222333344, HKD 1,280.00 to a Taobao merchant). I sent the ID copy you asked for yesterday, please see the screenshot below. 請盡快解凍，謝謝！

-- 
Chan Tai Man
Hong Kong

From: Alipay Help <help@alipay.com>
Sent: Friday, November 27, 2026 9:30 AM
To: Chan Tai Man <taiman.chan@example.com.hk>
Subject: Cross-border payment frozen

Dear customer, to release the payment we need a copy of your ID.
"""

TEXTS["outlook_en_html"] = """<html><head><meta charset="utf-8"></head><body>
<div>Hi,</div><div>&nbsp;</div>
<div>My cross-border payment is still frozen (訂單 2026112622001411112222333344, HKD 1,280.00 to a Taobao merchant). I sent the ID copy you asked for yesterday, please see the screenshot below. 請盡快解凍，謝謝！</div>
<div><img src="cid:image001.png@01DB4F2A" alt="screenshot"></div>
<div>-- <br>Chan Tai Man<br>Hong Kong</div>
<hr><div><b>From:</b> Alipay Help &lt;help@alipay.com&gt;<br><b>Sent:</b> Friday, November 27, 2026 9:30 AM<br>
<b>To:</b> Chan Tai Man<br><b>Subject:</b> Cross-border payment frozen</div>
<div>Dear customer, to release the payment we need a copy of your ID.</div>
</body></html>
"""

TEXTS["qq_reply"] = """已经收到退款了，谢谢！

发自我的iPhone


------------------ 原始邮件 ------------------
发件人: "支付宝客服"<help@alipay.com>;
发送时间: 2026年11月27日(星期五) 下午3:12
收件人: "李喆"<lizhe@qq.example.com>;
主题: 回复：退款延迟

您好，您的退款（订单号 2026112522001477778888999900，金额 ¥88.00）已于今日原路退回，请注意查收。
"""

TEXTS["qq_reply_html"] = """<div>已经收到退款了，谢谢！</div><div><br></div><div>发自我的iPhone</div><div><br></div>
<div><br></div><div style="font-size: 12px;font-family: Arial Narrow;padding:2px 0 2px 0;">------------------&nbsp;原始邮件&nbsp;------------------</div>
<div style="font-size: 12px;background:#efefef;padding:8px;"><div><b>发件人:</b>&nbsp;"支付宝客服"&lt;help@alipay.com&gt;;</div>
<div><b>发送时间:</b>&nbsp;2026年11月27日(星期五) 下午3:12</div><div><b>收件人:</b>&nbsp;"李喆"&lt;lizhe@qq.example.com&gt;;</div>
<div><b>主题:</b>&nbsp;回复：退款延迟</div></div><div><br></div>
<div>您好，您的退款（订单号 2026112522001477778888999900，金额 ¥88.00）已于今日原路退回，请注意查收。</div>
"""

TEXTS["euc_cn"] = """客户姓名：何静
联系电话：186****7712
问题类型：商户退款
问题描述：我在“优品数码专营店”退了一副耳机，商户签收退货已经5天，却在后台点了拒绝退款，金额299元。请平台介入处理。
订单号：2026111822001466665555444433
"""
