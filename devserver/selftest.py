#!/usr/bin/env python3
"""End-to-end check of a running devserver (stdlib only): `devserver/devserver selftest`.

Reads the MAILWIRE_* variables (same defaults as `devserver env`). Exits non-zero on the
first failure. `--heavy N` also opens N concurrent IMAPS sessions (e.g. 1000).
"""

import argparse
import base64
import imaplib
import os
import smtplib
import socket
import ssl
import sys
import threading
import time
import uuid

E = os.environ
HOST = E.get("MAILWIRE_HOST", "127.0.0.1")
IMAP_PORT = int(E.get("MAILWIRE_IMAP_PORT", "31143"))
IMAPS_PORT = int(E.get("MAILWIRE_IMAPS_PORT", "31993"))
SMTP_PORT = int(E.get("MAILWIRE_SMTP_PORT", "31587"))
SMTPS_PORT = int(E.get("MAILWIRE_SMTPS_PORT", "31465"))
SMTP_PLAIN_PORT = int(E.get("MAILWIRE_SMTP_PLAIN_PORT", "31025"))
GMAILLIKE_HOST = E.get("MAILWIRE_GMAILLIKE_HOST", "127.0.0.3")
BARE_HOST = E.get("MAILWIRE_BARE_HOST", "127.0.0.4")
CA = E.get("MAILWIRE_CA", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".state/tls/ca.pem"))
DOMAIN = E.get("MAILWIRE_DOMAIN", "localhost")
PW = E.get("MAILWIRE_PASSWORD_PATTERN", "pw-{user}")
TOK = E.get("MAILWIRE_OAUTH_TOKEN_PATTERN", "token-{user}")

CHECKS = []


def check(name):
    def deco(fn):
        CHECKS.append((name, fn))
        return fn
    return deco


def ctx(hostname_check=True):
    c = ssl.create_default_context(cafile=CA)
    c.check_hostname = hostname_check
    return c


def pw(u):
    return PW.replace("{user}", u)


def tok(u):
    return TOK.replace("{user}", u)


def xoauth2(user, token):
    return ("user=%s\x01auth=Bearer %s\x01\x01" % (user, token)).encode()


class Fail(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise Fail(msg)


@check("IMAPS login, CA verified for 127.0.0.1 and localhost")
def _():
    for host in (HOST, "localhost"):
        m = imaplib.IMAP4_SSL(host, IMAPS_PORT, ssl_context=ctx())
        m.login("alice", pw("alice"))
        m.logout()


@check("IMAPS without the CA is rejected by the client")
def _():
    try:
        m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=ssl.create_default_context(cafile=None, capath="/nonexistent"))
        m.logout()
    except ssl.SSLCertVerificationError:
        return
    raise Fail("untrusted certificate was accepted")


@check("STARTTLS on the plain IMAP port")
def _():
    m = imaplib.IMAP4(HOST, IMAP_PORT)
    expect("STARTTLS" in m.capabilities, "no STARTTLS capability: %r" % (m.capabilities,))
    m.starttls(ssl_context=ctx())
    m.login("bob", pw("bob"))
    m.logout()


@check("plaintext LOGIN on the plain IMAP port")
def _():
    m = imaplib.IMAP4(HOST, IMAP_PORT)
    m.login("carol", pw("carol"))
    m.logout()


@check("CAPABILITY after login, special-use mailboxes")
def _():
    m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=ctx())
    m.login("alice", pw("alice"))
    typ, data = m.capability()
    caps = set(data[0].decode().upper().split())
    want = {"IDLE", "MOVE", "UIDPLUS", "CONDSTORE", "QRESYNC", "SPECIAL-USE", "ENABLE"}
    expect(want <= caps, "missing capabilities: %s" % (want - caps))
    typ, data = m.list()
    text = b"\n".join(data).decode()
    for flag in ("\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"):
        expect(flag in text, "no %s mailbox in LIST: %s" % (flag, text))
    m.logout()


@check("capability profiles: gmail-like (CONDSTORE, no QRESYNC) and bare (IMAP4rev1), same mail")
def _():
    subject = "profiles-%s" % uuid.uuid4().hex
    main = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=ctx())
    main.login("dave", pw("dave"))
    main.append("INBOX", None, None, ("Subject: %s\r\n\r\nx\r\n" % subject).encode())
    for host, want, never in (
        (GMAILLIKE_HOST, {"CONDSTORE", "ESEARCH", "IDLE", "MOVE"}, {"QRESYNC"}),
        (BARE_HOST, {"IMAP4REV1"}, {"CONDSTORE", "QRESYNC", "ESEARCH", "IDLE", "UIDPLUS"}),
    ):
        m = imaplib.IMAP4_SSL(host, IMAPS_PORT, ssl_context=ctx())
        m.login("dave", pw("dave"))
        caps = set(m.capability()[1][0].decode().upper().split())
        expect(want <= caps and not (never & caps), "%s advertises %s" % (host, sorted(caps)))
        m.select("INBOX", readonly=True)
        typ, data = m.search(None, "SUBJECT", subject)
        expect(data[0].split(), "%s does not see the message appended on %s" % (host, HOST))
        m.logout()
    main.select("INBOX")
    typ, data = main.search(None, "SUBJECT", subject)
    for n in data[0].split():
        main.store(n, "+FLAGS", "\\Deleted")
    main.expunge()
    main.logout()


@check("XOAUTH2/OAUTHBEARER over IMAP: good token OK, bad token NO [AUTHENTICATIONFAILED]")
def _():
    m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=ctx())
    expect("AUTH=XOAUTH2" in m.capabilities and "AUTH=OAUTHBEARER" in m.capabilities, "no AUTH=XOAUTH2/OAUTHBEARER")
    m.authenticate("XOAUTH2", lambda _: xoauth2("alice", tok("alice")))
    m.logout()
    m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=ctx())
    ob = ("n,a=%s,\x01auth=Bearer %s\x01\x01" % ("bob@" + DOMAIN, tok("bob"))).encode()
    m.authenticate("OAUTHBEARER", lambda _: ob)
    m.logout()
    for user, token in (("alice", "bogus"), ("alice", tok("bob")), ("alice", "expired-alice"), ("alice", pw("alice"))):
        m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=ctx())
        state = {"n": 0}

        def cb(challenge, user=user, token=token, state=state):
            state["n"] += 1
            return xoauth2(user, token) if state["n"] == 1 else b""
        try:
            m.authenticate("XOAUTH2", cb)
            raise Fail("token %r for %s was accepted" % (token, user))
        except imaplib.IMAP4.error as e:
            expect("AUTHENTICATIONFAILED" in str(e), "unexpected failure text: %s" % e)
        m.shutdown()
    # A password must not pass as a token, and a token must not pass as a password.
    m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=ctx())
    try:
        m.login("alice", tok("alice"))
        raise Fail("token accepted as password")
    except imaplib.IMAP4.error:
        pass
    m.shutdown()


@check("XOAUTH2 over SMTP submission: good 235, bad 535")
def _():
    s = smtplib.SMTP(HOST, SMTP_PORT, timeout=10)
    s.starttls(context=ctx())
    s.ehlo()
    expect("xoauth2" in s.esmtp_features.get("auth", "").lower(), "no AUTH XOAUTH2: %r" % s.esmtp_features)
    code, _ = s.docmd("AUTH", "XOAUTH2 " + base64.b64encode(xoauth2("alice", tok("alice"))).decode())
    expect(code == 235, "good token: %d" % code)
    s.quit()
    s = smtplib.SMTP(HOST, SMTP_PORT, timeout=10)
    s.starttls(context=ctx())
    s.ehlo()
    code, resp = s.docmd("AUTH", "XOAUTH2 " + base64.b64encode(xoauth2("alice", "bogus")).decode())
    expect(code == 334, "bad token: expected 334 challenge, got %d %r" % (code, resp))
    code, resp = s.docmd("")
    expect(code == 535, "bad token: expected 535, got %d %r" % (code, resp))
    s.quit()


def wait_for(user, marker, timeout=5.0):
    m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=ctx())
    m.login(user, pw(user))
    t0 = time.monotonic()
    try:
        while True:
            m.select("INBOX", readonly=True)
            typ, data = m.search(None, "HEADER", "Message-ID", marker)
            if data and data[0].split():
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise Fail("message %s not in %s's INBOX after %.1fs" % (marker, user, timeout))
            time.sleep(0.05)
    finally:
        m.logout()


def message(marker, rcpts):
    return ("From: alice@%s\r\nTo: %s\r\nSubject: devserver selftest\r\nMessage-ID: %s\r\n\r\nhello\r\n"
            % (DOMAIN, ", ".join(rcpts), marker)).encode()


@check("submission: alice+bob delivered to INBOX fast, nobody@ refused 550 5.1.1 at RCPT")
def _():
    marker = "<selftest-%s@devserver>" % uuid.uuid4().hex
    s = smtplib.SMTP(HOST, SMTP_PORT, timeout=10)
    s.starttls(context=ctx())
    s.login("alice", pw("alice"))
    expect(s.esmtp_features.get("size") == "52428800", "SIZE is %r" % s.esmtp_features.get("size"))
    s.mail("alice@" + DOMAIN)
    code, resp = s.rcpt("nobody@" + DOMAIN)
    expect(code == 550 and b"5.1.1" in resp, "nobody: %d %r" % (code, resp))
    for u in ("alice", "bob"):
        code, resp = s.rcpt("%s@%s" % (u, DOMAIN))
        expect(code == 250, "%s: %d %r" % (u, code, resp))
    code, resp = s.data(message(marker, ["alice@" + DOMAIN, "bob@" + DOMAIN, "nobody@" + DOMAIN]))
    expect(code == 250, "DATA: %d %r" % (code, resp))
    t_sent = time.monotonic()
    s.quit()
    for u in ("alice", "bob"):
        wait_for(u, marker)
    took = time.monotonic() - t_sent
    expect(took < 2.0, "delivery took %.2fs" % took)
    print("    delivered to alice and bob within %.2fs" % took)


@check("SMTPS (implicit TLS) and plain SMTP with AUTH; unauthenticated mail refused")
def _():
    marker = "<selftest-%s@devserver>" % uuid.uuid4().hex
    s = smtplib.SMTP_SSL(HOST, SMTPS_PORT, context=ctx(), timeout=10)
    s.login("bob", pw("bob"))
    s.sendmail("bob@" + DOMAIN, ["carol@" + DOMAIN], message(marker, ["carol@" + DOMAIN]))
    s.quit()
    s = smtplib.SMTP(HOST, SMTP_PLAIN_PORT, timeout=10)
    s.login("carol", pw("carol"))
    s.sendmail("carol@" + DOMAIN, ["carol@" + DOMAIN], message(marker.replace("<", "<2"), ["carol@" + DOMAIN]))
    s.quit()
    wait_for("carol", marker)
    wait_for("carol", marker.replace("<", "<2"))
    s = smtplib.SMTP(HOST, SMTP_PLAIN_PORT, timeout=10)
    s.ehlo()
    s.mail("x@example.com")
    code, resp = s.rcpt("carol@" + DOMAIN)
    expect(code >= 500, "unauthenticated RCPT accepted: %d %r" % (code, resp))
    s.quit()
    s = smtplib.SMTP(HOST, SMTP_PORT, timeout=10)
    s.ehlo()
    expect("auth" not in s.esmtp_features, "AUTH offered before STARTTLS on the submission port")
    s.quit()


@check("wrong password then correct login: no delay (IMAP and SMTP)")
def _():
    for _ in range(3):
        t0 = time.monotonic()
        m = imaplib.IMAP4(HOST, IMAP_PORT)
        try:
            m.login("dave", "wrong")
            raise Fail("wrong password accepted")
        except imaplib.IMAP4.error:
            pass
        m.shutdown()
        m = imaplib.IMAP4(HOST, IMAP_PORT)
        m.login("dave", pw("dave"))
        m.logout()
        took = time.monotonic() - t0
        expect(took < 0.5, "IMAP wrong+right login took %.2fs" % took)
    for _ in range(3):
        t0 = time.monotonic()
        s = smtplib.SMTP(HOST, SMTP_PLAIN_PORT, timeout=10)
        try:
            s.login("dave", "wrong")
            raise Fail("wrong SMTP password accepted")
        except smtplib.SMTPAuthenticationError:
            pass
        s.quit()
        s = smtplib.SMTP(HOST, SMTP_PLAIN_PORT, timeout=10)
        s.login("dave", pw("dave"))
        s.quit()
        took = time.monotonic() - t0
        expect(took < 0.5, "SMTP wrong+right login took %.2fs" % took)
    print("    last SMTP wrong+right round: %.3fs" % took)


def heavy(n):
    sessions, errors = [], []
    lock = threading.Lock()

    def one(i):
        try:
            m = imaplib.IMAP4_SSL(HOST, IMAPS_PORT, ssl_context=ctx(), timeout=60)
            m.login("alice", pw("alice"))
            m.select("INBOX")
            with lock:
                sessions.append(m)
        except Exception as e:  # noqa: BLE001
            with lock:
                errors.append(repr(e))

    t0 = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    for m in sessions:
        try:
            m.logout()
        except Exception:  # noqa: BLE001
            pass
    expect(not errors, "%d of %d sessions failed, e.g. %s" % (len(errors), n, errors[:3]))
    print("    %d concurrent IMAPS sessions (one user) logged in + selected in %.1fs" % (n, took))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heavy", type=int, default=0, help="also open N concurrent IMAPS sessions")
    args = ap.parse_args()
    if args.heavy:
        CHECKS.append(("%d concurrent IMAPS sessions" % args.heavy, lambda: heavy(args.heavy)))
    failed = 0
    for name, fn in CHECKS:
        t0 = time.monotonic()
        try:
            fn()
            print("ok   %-80s %.2fs" % (name, time.monotonic() - t0))
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    main()
