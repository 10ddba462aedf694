"""An SMTP receiver for omnilisten's tests (aiosmtpd handler).

Every accepted message is stored as one file in DIRECTORY, written under a
temporary name and renamed, so a reader never sees half a mail. With DELAY
(seconds) the server waits that long after storing a message before it
answers 250: the client is then stuck between "data sent" and "accepted",
which is where the crash test kills omnilisten.

    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.FileSink DIRECTORY [DELAY]
"""

import asyncio
import itertools
import os
import time


class FileSink:
    def __init__(self, directory, delay=0.0):
        self.directory = directory
        self.delay = delay
        self.counter = itertools.count()
        os.makedirs(directory, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if not args:
            parser.error("FileSink needs a directory")
        delay = float(args[1]) if len(args) > 1 else 0.0
        return cls(args[0], delay)

    async def handle_DATA(self, server, session, envelope):
        name = "%d-%06d.eml" % (time.time_ns(), next(self.counter))
        tmp = os.path.join(self.directory, "." + name)
        head = "X-Sink-Mail-From: %s\r\nX-Sink-Rcpt-To: %s\r\n" % (
            envelope.mail_from,
            ", ".join(envelope.rcpt_tos),
        )
        with open(tmp, "wb") as f:
            f.write(head.encode())
            f.write(envelope.original_content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.directory, name))
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"
