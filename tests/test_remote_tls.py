"""An https REST endpoint: a real session cluster with Flink's REST SSL, a certificate made
here with the JDK's keytool. ``notebook.rest-verify`` decides what our client trusts; Flink's
own client takes Flink's truststore options, which pass through like every Flink key."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from flink_notebook.clusters.standalone import LocalCluster
from flink_notebook.core.config import Configuration
from flink_notebook.engine.session import FlinkSession
from flink_notebook.jobs.rest import client_for

pytestmark = pytest.mark.cluster

PASSWORD = "tls-test-secret-81"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: the cluster's keystore, a truststore for
    Flink's client, and the same certificate as PEM for ours."""
    keytool = shutil.which("keytool")
    assert keytool, "the JDK's keytool makes the test certificate"
    folder = tmp_path_factory.mktemp("tls")
    keystore, truststore, pem = folder / "rest.p12", folder / "trust.p12", folder / "ca.pem"

    def run(*args: str) -> None:
        subprocess.run([keytool, *args], check=True, capture_output=True, timeout=120)

    run("-genkeypair", "-alias", "rest", "-keyalg", "RSA", "-keysize", "2048",
        "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
        "-ext", "bc:c", "-storetype", "PKCS12", "-keystore", str(keystore),
        "-storepass", PASSWORD, "-keypass", PASSWORD)
    run("-exportcert", "-rfc", "-alias", "rest", "-keystore", str(keystore),
        "-storepass", PASSWORD, "-file", str(pem))
    run("-importcert", "-noprompt", "-alias", "rest", "-file", str(pem), "-storetype",
        "PKCS12", "-keystore", str(truststore), "-storepass", PASSWORD)
    return {"keystore": str(keystore), "truststore": str(truststore), "pem": str(pem)}


@pytest.fixture(scope="module")
def tls_cluster(certificates):
    options = {
        "security.ssl.rest.enabled": "true",
        "security.ssl.rest.keystore": certificates["keystore"],
        "security.ssl.rest.keystore-password": PASSWORD,
        "security.ssl.rest.key-password": PASSWORD,
        "security.ssl.rest.keystore-type": "PKCS12",
        "security.ssl.rest.truststore": certificates["truststore"],
        "security.ssl.rest.truststore-password": PASSWORD,
        "security.ssl.rest.truststore-type": "PKCS12",
    }
    with LocalCluster(slots=1, name="test-tls", options=options) as cluster:
        yield cluster


def https_configuration(url: str, verify: str) -> Configuration:
    return Configuration.load(environ={}).with_cell(
        {"execution.target": "remote", "rest.address": url, "notebook.rest-verify": verify})


def test_the_cluster_speaks_https(tls_cluster):
    assert tls_cluster.rest_url.startswith("https://127.0.0.1:")


def test_an_untrusted_certificate_is_a_short_error_saying_what_to_set(tls_cluster):
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


def test_a_query_on_the_https_cluster(shell, tls_cluster, certificates):
    line = (f"--target remote -D rest.address={tls_cluster.rest_url} "
            f"-D notebook.rest-verify={certificates['pem']} "
            f"-D security.ssl.rest.truststore={certificates['truststore']} "
            f"-D security.ssl.rest.truststore-password={PASSWORD} "
            "-D security.ssl.rest.truststore-type=PKCS12 -o tls_rows")
    with capture_output() as captured:
        shell.run_cell_magic("flink_sql", line,
                             "SELECT n + 1 AS m FROM (VALUES (1), (2), (3)) AS t(n)")
    assert sorted(shell.user_ns["tls_rows"]["m"]) == [2, 3, 4]
    job = FlinkSession.current().jobs[-1]
    assert job.rest.url == tls_cluster.rest_url and job.wait(timeout=60) == "FINISHED"
    shown = "".join(str(o.data) for o in captured.outputs) + captured.stdout
    assert PASSWORD not in shown  # a password never reaches the output
