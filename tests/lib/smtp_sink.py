"""smtp_sink.py: a real SMTP server (aiosmtpd) writing a Maildir, for the
tests that need more than `python3 -m aiosmtpd`: answering 451 to the first
N messages, or offering STARTTLS with a throwaway certificate.

    /usr/bin/python3 tests/lib/smtp_sink.py PORT MAILDIR [--fail-first N] [--tls CERT KEY]

Prints "ready" once it listens; stops on SIGTERM."""
import argparse
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


class Flaky(Mailbox):
    def __init__(self, maildir, fail_first):
        super().__init__(maildir)
        self.fail_first = fail_first

    async def handle_DATA(self, server, session, envelope):
        if self.fail_first > 0:
            self.fail_first -= 1
            return '451 4.3.0 Try again later'
        return await super().handle_DATA(server, session, envelope)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('port', type=int)
    ap.add_argument('maildir')
    ap.add_argument('--fail-first', type=int, default=0)
    ap.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'))
    a = ap.parse_args()
    kw = {}
    if a.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        kw = {'tls_context': ctx, 'require_starttls': True}
    c = Controller(Flaky(a.maildir, a.fail_first), hostname='127.0.0.1', port=a.port, **kw)
    c.start()
    print('ready', flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (c.stop(), sys.exit(0)))
    signal.pause()


if __name__ == '__main__':
    main()
