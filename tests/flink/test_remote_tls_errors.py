"""What our REST client says when an https endpoint's certificate fails the check: a wrong
CA, an expired certificate, a certificate for another host. The certificates are made here
with openssl; a small TLS server of the test's own presents them (our client's error is
what is tested, so no Flink is needed). And what it sends: TLS records only, never a
request in clear, not even when the check fails.

``CertificateAuthority``, ``tls_server`` and ``recording`` are reused by test_remote_tls.py
on a real cluster."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from flink_notebook.core.config import Configuration
from flink_notebook.jobs.rest import client_for
from tests.conftest import SUITE_HEADER

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl makes the certificates")

#: Each openssl run is bounded: a slow machine is not a failure, a hung one is.
_RUN_TIMEOUT = 120


def openssl(*args: str, cwd: Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True,
                   timeout=_RUN_TIMEOUT, env=env)


class CertificateAuthority:
    """A CA made with openssl in ``folder`` (its certificate as PEM: ``pem``), which signs
    server certificates with ``issue``. Every certificate it issues shares one server key:
    what differs between them is the certificate, which is what the checks read."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        folder.mkdir(parents=True)
        self.pem, self.key = folder / "ca.pem", folder / "ca.key"
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "3", "-subj", f"/CN={name}",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
                "-out", "server.csr", "-subj", "/CN=flink-rest", cwd=folder)
        self.server_key = folder / "server.key"
        (folder / "issued").mkdir()
        (folder / "index.txt").write_text("")
        (folder / "serial").write_text("01\n")
        (folder / "ca.cnf").write_text(
            "[ca]\ndefault_ca = this\n[this]\ndatabase = index.txt\nnew_certs_dir = issued\n"
            "serial = serial\ndefault_md = sha256\npolicy = any\nunique_subject = no\n"
            "[any]\ncommonName = supplied\n")

    def issue(self, name: str, alt_names: str = "IP:127.0.0.1",
              dates: tuple[str, str] | None = None) -> Path:
        """A server certificate for ``alt_names`` (its subjectAltName), valid from today for
        three days or between ``dates`` (openssl's YYYYMMDDHHMMSSZ)."""
        (self.folder / f"{name}.ext").write_text(
            f"[server]\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n"
            f"subjectAltName = {alt_names}\n")
        validity = ["-startdate", dates[0], "-enddate", dates[1]] if dates else ["-days", "3"]
        openssl("ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", "ca.pem",
                "-keyfile", "ca.key", "-in", "server.csr", "-out", f"{name}.pem",
                "-extfile", f"{name}.ext", "-extensions", "server", *validity, cwd=self.folder)
        return self.folder / f"{name}.pem"


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    """Two CAs; from the first, a good certificate for 127.0.0.1, an expired one, one not
    valid yet, and one for another host."""
    folder = tmp_path_factory.mktemp("pki")
    ca, other = CertificateAuthority(folder / "ca", "notebook test CA"), \
        CertificateAuthority(folder / "other", "another CA")
    return {
        "ca": ca.pem, "other-ca": other.pem, "key": ca.server_key,
        "good": ca.issue("good"),
        "expired": ca.issue("expired", dates=("20200101000000Z", "20200102000000Z")),
        "future": ca.issue("future", dates=("20400101000000Z", "20400102000000Z")),
        "elsewhere": ca.issue("elsewhere", alt_names="DNS:flink.example.org,IP:10.1.2.3"),
    }


class _Overview(BaseHTTPRequestHandler):
    """Flink's /overview, enough for a client to see it reached a cluster."""

    def do_GET(self) -> None:
        body = json.dumps({"taskmanagers": 1, "slots-total": 1}).encode()
        self.send_response(200 if self.path == "/overview" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, certificate: Path | None, key: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Overview)
        self.context = None
        if certificate is not None:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(certificate, key)

    def finish_request(self, request, client_address) -> None:
        # The handshake runs in the request's thread: one that fails ends only itself.
        if self.context is not None:
            try:
                request = self.context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)


@contextmanager
def tls_server(certificate: Path | None, key: Path) -> Iterator[int]:
    """A server on 127.0.0.1 presenting ``certificate`` (None: plain http); its port."""
    server = _TLSServer(certificate, key)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True,
                              name="tls-server")
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class Recorder:
    """A TCP proxy on 127.0.0.1 that forwards to ``upstream_port`` and keeps, per
    connection, the bytes the client sent (recorded before they are forwarded: a request
    that got an answer is recorded whole)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.sent: list[bytearray] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="recorder").start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port),
                                                    timeout=30)
            except OSError:  # upstream gone: the client sees its connection close
                client.close()
                continue
            upstream.settimeout(None)
            record = bytearray()
            with self._lock:
                self.sent.append(record)
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, record),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, None),
                             daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket, record: bytearray | None) -> None:
        try:
            while data := source.recv(65536):
                if record is not None:
                    record += data
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def records(self) -> list[bytes]:
        with self._lock:
            return [bytes(record) for record in self.sent]

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()


@contextmanager
def recording(upstream_port: int) -> Iterator[Recorder]:
    recorder = Recorder(upstream_port)
    try:
        yield recorder
    finally:
        recorder.close()


#: TLS record content types: change_cipher_spec, alert, handshake, application_data.
TLS_RECORD_TYPES = {20, 21, 22, 23}


def tls_records(stream: bytes) -> list[tuple[int, int]]:
    """The TLS records ``stream`` consists of, as (content type, length); fails at the
    first byte that is not inside a TLS record (a request in clear would be one)."""
    records, at = [], 0
    while at < len(stream):
        header = stream[at:at + 5]
        assert len(header) == 5 and header[0] in TLS_RECORD_TYPES and header[1] == 3, \
            f"byte {at} of {len(stream)} does not start a TLS record: {stream[at:at + 16]!r}"
        length = int.from_bytes(header[3:5], "big")
        at += 5 + length
        assert at <= len(stream), "a TLS record runs past the recorded bytes"
        records.append((header[0], length))
    return records


def assert_only_tls(stream: bytes) -> list[tuple[int, int]]:
    """``stream`` is TLS records from its first byte (a ClientHello) to its last, and none of
    the request's words or the suite's secret header appear in clear."""
    records = tls_records(stream)
    assert records and records[0][0] == 22 and stream[5] == 1  # handshake: ClientHello
    for clear in (b"HTTP/1.1", b"/overview", b"/jobs", SUITE_HEADER[1].encode()):
        assert clear not in stream
    return records


def application_data(records: list[tuple[int, int]]) -> int:
    """Bytes of application data (the encrypted requests) among ``records``."""
    return sum(length for kind, length in records if kind == 23)


def https_configuration(verify: str | Path) -> Configuration:
    return Configuration.load(environ={}).with_cell({"notebook.rest-verify": str(verify)})


def refused(url: str, verify: str | Path) -> str:
    """The UsageError our client gives for ``url``, checked to be one short line."""
    with pytest.raises(UsageError) as raised:
        client_for(url, https_configuration(verify), timeout=10).overview()
    message = str(raised.value)
    assert url in message and "\n" not in message and len(message) < 400, message
    for trace in ("Traceback", "Error:", "Exception", "_ssl.c", "[SSL", "httpx", "httpcore"):
        assert trace not in message, message
    assert raised.value.__suppress_context__  # IPython shows no chained traceback either
    return message


def test_the_good_certificate_with_its_ca_bundle_is_reached(pki):
    with tls_server(pki["good"], pki["key"]) as port:
        overview = client_for(f"https://127.0.0.1:{port}", https_configuration(pki["ca"]))
        assert overview.overview() == {"taskmanagers": 1, "slots-total": 1}


def test_a_bundle_of_another_ca_is_a_short_error_naming_the_bundle(pki):
    with tls_server(pki["good"], pki["key"]) as port:
        url = f"https://127.0.0.1:{port}"
        message = refused(url, pki["other-ca"])
    assert message.startswith(f"The TLS certificate of {url} is not trusted")
    assert f"no CA in notebook.rest-verify ({pki['other-ca']}) signed it" in message
    assert "Set notebook.rest-verify to the CA bundle" in message


def test_a_private_ca_without_a_bundle_says_to_set_notebook_rest_verify(pki):
    with tls_server(pki["good"], pki["key"]) as port:
        url = f"https://127.0.0.1:{port}"
        message = refused(url, "true")
    assert message.startswith(f"The TLS certificate of {url} is not trusted "
                              "(unable to get local issuer certificate)")
    assert "Set notebook.rest-verify to the cluster's CA bundle" in message


def test_an_expired_certificate_is_a_short_error_saying_so(pki):
    with tls_server(pki["expired"], pki["key"]) as port:
        url = f"https://127.0.0.1:{port}"
        message = refused(url, pki["ca"])
    assert message.startswith(f"The TLS certificate of {url} has expired.")
    assert "security.ssl.rest.keystore" in message and "notebook.rest-verify=false" in message


def test_a_certificate_not_valid_yet_says_to_check_the_clock(pki):
    with tls_server(pki["future"], pki["key"]) as port:
        url = f"https://127.0.0.1:{port}"
        message = refused(url, pki["ca"])
    assert message.startswith(f"The TLS certificate of {url} is not valid yet: check this "
                              "machine's clock")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_certificate_for_another_host_is_a_short_error_naming_the_host(pki, host):
    certificate = pki["elsewhere"] if host == "127.0.0.1" else pki["good"]  # good: IP only
    with tls_server(certificate, pki["key"]) as port:
        url = f"https://{host}:{port}"
        message = refused(url, pki["ca"])
    assert message.startswith(f"The TLS certificate of {url} is not issued for {host}:")
    assert "rest.address" in message and "subjectAltName" in message


def test_https_to_a_plain_http_port_says_to_use_http(pki):
    with tls_server(None, pki["key"]) as port:
        url = f"https://127.0.0.1:{port}"
        message = refused(url, pki["ca"])
    assert message == (f"The Flink cluster at {url} does not answer with TLS (wrong version "
                       "number): if its REST API is plain http, use http:// in rest.address.")


def test_http_to_a_tls_port_says_it_may_want_https(pki):
    with tls_server(pki["good"], pki["key"]) as port:
        url = f"http://127.0.0.1:{port}"
        message = refused(url, "true")
    assert message.startswith(f"Cannot reach the Flink cluster at {url}")
    assert "https://" in message


def test_our_client_sends_only_tls_records_to_an_https_address(pki):
    with tls_server(pki["good"], pki["key"]) as port, recording(port) as recorder:
        client = client_for(f"https://127.0.0.1:{recorder.port}", https_configuration(pki["ca"]))
        assert client.overview()["taskmanagers"] == 1
        client.close()
        [stream] = recorder.records()
    assert application_data(assert_only_tls(stream)) > 100  # the request went, encrypted


@pytest.mark.parametrize("problem", ["other-ca", "expired", "elsewhere"])
def test_a_failed_check_sends_nothing_but_the_handshake(pki, problem):
    """No fallback to http and no request before the check: the handshake and at most an
    alert leave the client (TLS 1.3 may encrypt the alert: 19 bytes; a request is over
    200)."""
    certificate = pki["good"] if problem == "other-ca" else pki[problem]
    verify = pki["other-ca"] if problem == "other-ca" else pki["ca"]
    with tls_server(certificate, pki["key"]) as port, recording(port) as recorder:
        refused(f"https://127.0.0.1:{recorder.port}", verify)
        streams = recorder.records()
    assert len(streams) == 1  # one try, no second plain connection
    assert application_data(assert_only_tls(streams[0])) < 32


def test_rest_verify_names_a_missing_bundle():
    with pytest.raises(UsageError, match="no file at /nonexistent/ca.pem"):
        client_for("https://127.0.0.1:1", https_configuration("/nonexistent/ca.pem"))


def test_rest_verify_names_a_file_that_is_no_pem_bundle(tmp_path):
    """A Java truststore given to notebook.rest-verify by mistake: said so, no trace."""
    truststore = tmp_path / "trust.p12"
    truststore.write_bytes(b"\x30\x82\x02\x00 binary, not PEM")
    with pytest.raises(UsageError) as raised:
        client_for("https://127.0.0.1:1", https_configuration(truststore))
    assert str(raised.value) == (
        f"notebook.rest-verify names {truststore}, which holds no PEM certificate. Give it "
        "the CA bundle as PEM; from a Java truststore: keytool -exportcert -rfc.")

