"""An https REST endpoint on a real session cluster: Flink's REST SSL with a certificate
signed by a CA made here with openssl (the cluster's keystore from ``openssl pkcs12``, the
truststore for Flink's client from the JDK's keytool). ``notebook.rest-verify`` decides
what our client trusts; Flink's own client (submission, query results) takes Flink's
``security.ssl.rest.*`` options, which pass through like every Flink key. A recording
proxy in front of the cluster shows that every byte either client sends is TLS."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from flink_notebook.cells.notebook import Notebook
from flink_notebook.clusters.standalone import LocalCluster
from flink_notebook.core.config import Configuration
from flink_notebook.engine.session import FlinkSession
from flink_notebook.jobs.client import JobClient
from flink_notebook.jobs.rest import client_for
from tests.flink.test_remote_tls_errors import (
    CertificateAuthority,
    application_data,
    assert_only_tls,
    openssl,
    recording,
    tls_server,
)
from tests.waiting import until

pytestmark = pytest.mark.cluster

PASSWORD = "tls-test-secret-81"
_PASSWORD_VARIABLE = "TLS_TEST_STORE_PASSWORD"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """The CA's PEM (for our client), the cluster's keystore and a truststore holding the
    CA (for Flink's client)."""
    keytool = shutil.which("keytool")
    assert keytool, "the JDK's keytool makes Flink's truststore"
    folder = tmp_path_factory.mktemp("tls")
    ca = CertificateAuthority(folder / "ca", "notebook test CA")
    certificate = ca.issue("rest")
    expired = ca.issue("expired", dates=("20200101000000Z", "20200102000000Z"))
    elsewhere = ca.issue("elsewhere", alt_names="DNS:flink.example.org")
    keystore, truststore = folder / "rest.p12", folder / "trust.p12"
    env = {**os.environ, _PASSWORD_VARIABLE: PASSWORD}  # not on a command line
    openssl("pkcs12", "-export", "-name", "rest", "-in", str(certificate), "-inkey",
            str(ca.server_key), "-certfile", str(ca.pem), "-out", str(keystore),
            "-passout", f"env:{_PASSWORD_VARIABLE}", cwd=folder, env=env)
    subprocess.run([keytool, "-importcert", "-noprompt", "-alias", "ca", "-file", str(ca.pem),
                    "-storetype", "PKCS12", "-keystore", str(truststore),
                    "-storepass:env", _PASSWORD_VARIABLE],
                   check=True, capture_output=True, timeout=120, env=env)
    return {"keystore": str(keystore), "truststore": str(truststore), "pem": str(ca.pem),
            "key": ca.server_key, "rest": certificate, "expired": expired,
            "elsewhere": elsewhere}


@pytest.fixture(scope="module")
def tls_cluster(certificates):
    options = {
        "security.ssl.rest.enabled": "true",
        "security.ssl.rest.keystore": certificates["keystore"],
        "security.ssl.rest.keystore-password": PASSWORD,
        "security.ssl.rest.key-password": PASSWORD,
        "security.ssl.rest.keystore-type": "PKCS12",
    }
    with LocalCluster(slots=1, name="test-tls", options=options) as cluster:
        yield cluster


@pytest.fixture
def recorder(tls_cluster):
    """A recording proxy in front of the cluster's TLS port."""
    with recording(tls_cluster.address.port) as proxy:
        yield proxy


def https_configuration(url: str, verify: str) -> Configuration:
    return Configuration.load(environ={}).with_cell(
        {"execution.target": "remote", "rest.address": url, "notebook.rest-verify": verify})


def remote_https(url: str, certificates: dict, truststore: bool = True,
                 verify: str | None = None) -> str:
    """A cell's options for the cluster at ``url``: our client checks with ``verify``
    (default: the CA's PEM), Flink's client with the truststore (unless ``truststore`` is
    False)."""
    line = (f"--target remote -D rest.address={url} "
            f"-D notebook.rest-verify={verify or certificates['pem']}")
    if truststore:
        line += (f" -D security.ssl.rest.truststore={certificates['truststore']}"
                 f" -D security.ssl.rest.truststore-password={PASSWORD}"
                 " -D security.ssl.rest.truststore-type=PKCS12")
    return line


def shown(captured) -> str:
    return "".join(str(o.data) for o in captured.outputs) + captured.stdout + captured.stderr


def test_an_untrusted_certificate_is_a_short_error_saying_what_to_set(tls_cluster):
    assert tls_cluster.rest_url.startswith("https://127.0.0.1:")
    started = time.monotonic()
    with pytest.raises(UsageError) as raised:
        client_for(tls_cluster.rest_url, https_configuration(tls_cluster.rest_url, "true"),
                   timeout=5).overview()
    message = str(raised.value)
    assert time.monotonic() - started < 10
    assert f"The TLS certificate of {tls_cluster.rest_url} is not trusted" in message
    assert "notebook.rest-verify" in message and "\n" not in message


def test_the_ca_bundle_or_no_verification_reaches_it(tls_cluster, certificates):
    url = tls_cluster.rest_url
    for verify in (certificates["pem"], "false"):
        overview = client_for(url, https_configuration(url, verify)).overview()
        assert overview["taskmanagers"] == 1 and overview["slots-total"] == 1


def test_plain_http_to_the_tls_port_is_refused_and_says_https(tls_cluster):
    url = tls_cluster.rest_url.replace("https://", "http://")
    with pytest.raises(UsageError) as raised:
        client_for(url, https_configuration(url, "true"), timeout=5).overview()
    https = tls_cluster.rest_url
    assert str(raised.value) == (f"The Flink cluster at {url} answers over https only (it "
                                 f"redirects to {https}): use https:// in rest.address.")


def test_flink_s_client_needs_the_truststore(shell, tls_cluster, certificates):
    """Our client trusts the cluster (notebook.rest-verify); Flink's, which submits, checks
    with Java's truststore: without security.ssl.rest.truststore it would refuse after a
    minute of retries (rest.retry.max-attempts, 20, 3 s apart), so the cell says what to set
    before Java tries. test_a_query_over_https_sends_only_tls submits with the truststore."""
    url = tls_cluster.rest_url
    ours = client_for(url, https_configuration(url, certificates["pem"]))
    jobs = len(ours.jobs_overview())
    started = time.monotonic()
    with capture_output() as captured, pytest.raises(UsageError) as raised:
        shell.run_cell_magic("flink_sql", remote_https(url, certificates, truststore=False),
                             "SELECT n FROM (VALUES (1), (2)) AS t(n)")
    message = str(raised.value)
    assert time.monotonic() - started < 10
    assert f"lets this notebook trust {url}" in message
    assert "set security.ssl.rest.truststore" in message and "\n" not in message
    assert PASSWORD not in message + shown(captured)
    assert len(ours.jobs_overview()) == jobs  # nothing was submitted


@pytest.mark.parametrize("problem", ["untrusted", "expired", "elsewhere"])
def test_a_cell_to_a_bad_certificate_fails_with_our_short_error_before_submitting(
        shell, certificates, problem):
    """The remote target asks our client first (GET /overview), so a certificate problem is
    our one-line error, and Flink's client never connects. The server is the test's own
    (a real cluster's TLS is the same handshake; one cluster per certificate would be
    slow)."""
    certificate = certificates["rest" if problem == "untrusted" else problem]
    with tls_server(certificate, certificates["key"]) as port, recording(port) as recorder:
        url = f"https://127.0.0.1:{recorder.port}"
        line = remote_https(url, certificates, verify="true" if problem == "untrusted" else None)
        FlinkSession.current().ensure_started()  # Java's start is not what is timed
        started = time.monotonic()
        with capture_output(), pytest.raises(UsageError) as raised:
            shell.run_cell_magic("flink_sql", line, "SELECT 1")
        streams = recorder.records()
    message = str(raised.value)
    expected = {"untrusted": "is not trusted (unable to get local issuer certificate)",
                "expired": "has expired.", "elsewhere": "is not issued for 127.0.0.1:"}
    assert message.startswith(f"The TLS certificate of {url} {expected[problem]}"), message
    assert "\n" not in message and "Exception" not in message and PASSWORD not in message
    assert time.monotonic() - started < 30
    assert len(streams) == 1 and application_data(assert_only_tls(streams[0])) < 32


def test_a_query_over_https_sends_only_tls(shell, tls_cluster, certificates, recorder):
    url = f"https://127.0.0.1:{recorder.port}"
    with capture_output() as captured:
        shell.run_cell_magic("flink_sql", f"{remote_https(url, certificates)} -o tls_rows",
                             "SELECT n + 1 AS m FROM (VALUES (1), (2), (3)) AS t(n)")
    assert sorted(shell.user_ns["tls_rows"]["m"]) == [2, 3, 4]
    job = Notebook.current().jobs[-1]
    assert job.rest.url == url and job.wait(timeout=60) == "FINISHED"
    assert PASSWORD not in shown(captured)  # a password never reaches the output
    streams = recorder.records()
    sizes = sorted(application_data(assert_only_tls(stream)) for stream in streams)
    # Flink's client uploaded the job graph through the proxy: kilobytes, all encrypted.
    assert sizes[-1] > 10_000


TICKS = """
CREATE TEMPORARY TABLE IF NOT EXISTS tls_ticks (k INT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '20',
  'fields.k.min' = '1', 'fields.k.max' = '3')
"""


def test_a_detached_job_is_watched_and_savepointed_over_https(
        shell, tls_cluster, certificates, recorder, tmp_path):
    url = f"https://127.0.0.1:{recorder.port}"
    shell.run_cell_magic("flink_sql", "", TICKS)
    with capture_output():
        shell.run_cell_magic("flink_sql", f"{remote_https(url, certificates)} --detached "
                             "-o tls_counting", "SELECT k, COUNT(*) AS n FROM tls_ticks GROUP BY k")
    job = shell.user_ns["tls_counting"]
    try:
        assert job.rest.url == url
        until(lambda: job.status() == "RUNNING", "the job running")
        until(lambda: len(job.to_pandas()) == 3, "a count for each key")  # rows: Flink's client
        assert job.progress()  # per-operator figures, polled by our client
        again = JobClient.attach(job.job_id, url, verify=certificates["pem"])
        assert again.status() == "RUNNING"  # a handle made anew trusts the same CA
        with pytest.raises(UsageError, match="is not trusted"):
            JobClient.attach(job.job_id, url)  # the system's CAs do not know ours
        triggered = job.trigger_savepoint(str(tmp_path / "triggered"))
        assert job.status() == "RUNNING"
        stopped = job.stop_with_savepoint(str(tmp_path / "stopped"))
    finally:
        if not job.is_terminal:
            job.cancel()
    assert job.wait(timeout=60) == "FINISHED"
    for savepoint in (triggered, stopped):
        assert (Path(savepoint.removeprefix("file:")) / "_metadata").is_file()
    for stream in recorder.records():
        assert_only_tls(stream)
