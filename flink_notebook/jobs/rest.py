"""The Flink REST API (JobManager), the one way every target is watched and steered."""

from __future__ import annotations

import functools
import logging
import os
import ssl
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
from IPython.core.error import UsageError

from flink_notebook.core.errors import RestRefused, Unreachable, summarize_trace
from flink_notebook.core.rest_options import rest_headers, rest_verify

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration

# httpx logs every request at INFO. A program that turns INFO logging on (PyFlink's examples
# call logging.basicConfig(level=INFO)) would get a line per poll of every live view in its
# cell; our requests are not the program's business. Unless the user set httpx's level.
if logging.getLogger("httpx").level == logging.NOTSET:
    logging.getLogger("httpx").setLevel(logging.WARNING)


def client_for(url: str, configuration: Configuration, timeout: float | httpx.Timeout = 5.0
               ) -> RestClient:
    """A RestClient with the configuration's headers and TLS settings."""
    return RestClient(url, headers=rest_headers(configuration),
                      verify=rest_verify(configuration), timeout=timeout)


#: The first request to a cluster: connect and answer each get a bound, so an address that
#: does not answer (refused, black-holed, silent) fails within 5 s naming it.
REACH_TIMEOUT = httpx.Timeout(2.5, connect=2.0)


def reached(url: str, configuration: Configuration) -> tuple[RestClient, dict]:
    """A client for the cluster at ``url`` (the usual timeouts, its Flink version in
    ``cluster_version``) and its ``/overview``, both asked first within REACH_TIMEOUT: an
    unreachable cluster fails in seconds, naming it."""
    probe = client_for(url, configuration, timeout=REACH_TIMEOUT)
    try:
        overview = probe.overview()
        if not isinstance(overview, dict) or "flink-version" not in overview:
            raise UsageError(f"{url} answers, but not as Flink's REST API (GET /overview has "
                             "no flink-version). Check rest.address and rest.port.")
        version = _known_version(probe, str(overview["flink-version"]))
    finally:
        probe.close()  # its socket, now rather than whenever the collector gets to it
    rest = client_for(url, configuration)
    rest.cluster_version = version
    return rest, overview


#: Each cluster's Flink version by REST URL, as its /config said (read once per kernel),
#: with what its /overview said then: a cluster started again at the same address with
#: another Flink (an upgrade) says another version there, and /config is read again.
_versions: dict[str, tuple[str, str]] = {}


def _known_version(probe: RestClient, overview_says: str) -> str:
    known = _versions.get(probe.url)
    if known is not None and known[0] == overview_says:
        return known[1]
    version = probe.flink_version()
    _versions[probe.url] = (overview_says, version)
    return version


def _shared_verify(verify: bool | str) -> bool | str | ssl.SSLContext:
    """One TLS context per ``verify`` setting (a CA bundle: per file and version), shared by
    every client. Each ``httpx.Client`` given a bool or a path loads the CA bundle again:
    about 0.75 MB of native memory per client, and a session keeps one in each job
    handle."""
    try:
        version = os.stat(verify).st_mtime_ns if isinstance(verify, str) else None
    except OSError:
        return verify  # httpx says what is wrong with the path
    return _ssl_context(verify, version)


@functools.lru_cache(maxsize=16)
def _ssl_context(verify: bool | str, version: int | None) -> ssl.SSLContext:
    try:
        return httpx.create_ssl_context(verify=verify)
    except ssl.SSLError:  # a file, but no PEM certificate in it (a Java truststore?)
        raise UsageError(
            f"notebook.rest-verify names {verify}, which holds no PEM certificate. Give it "
            "the CA bundle as PEM; from a Java truststore: keytool -exportcert -rfc."
        ) from None


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first ``kind`` in ``exc``'s chain (httpx wraps httpcore, which wraps ssl)."""
    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, kind):
        seen = seen.__cause__ or seen.__context__
    return seen


#: OpenSSL's verification results (``X509_V_ERR_*``) that have a message of their own.
_NOT_YET_VALID, _EXPIRED, _HOSTNAME_MISMATCH, _IP_MISMATCH = 9, 10, 62, 64


def tls_check_problem(url: str, error: ssl.SSLCertVerificationError,
                      verify: bool | str) -> str:
    """The failed certificate check of ``url`` in a line: what is wrong and what to set."""
    code = error.verify_code
    if code == _EXPIRED:
        return (f"The TLS certificate of {url} has expired. The cluster needs a new one (its "
                "security.ssl.rest.keystore); notebook.rest-verify=false skips the check.")
    if code == _NOT_YET_VALID:
        return (f"The TLS certificate of {url} is not valid yet: check this machine's clock "
                "and the certificate's dates (notebook.rest-verify=false skips the check).")
    if code in (_HOSTNAME_MISMATCH, _IP_MISMATCH):
        host = httpx.URL(url).host
        return (f"The TLS certificate of {url} is not issued for {host}: put a name it is "
                f"issued for in rest.address, or give the cluster a certificate whose "
                f"subjectAltName has {host}.")
    reason = error.verify_message or "certificate verify failed"
    if isinstance(verify, str):
        return (f"The TLS certificate of {url} is not trusted: no CA in notebook.rest-verify "
                f"({verify}) signed it ({reason}). Set notebook.rest-verify to the CA bundle "
                "(PEM) that signed the cluster's certificate.")
    return (f"The TLS certificate of {url} is not trusted ({reason}). Set "
            "notebook.rest-verify to the cluster's CA bundle (a PEM file), or to false to "
            "skip the check.")


class RestClient:
    """A Flink cluster's REST endpoint. Headers (for an authenticating proxy) and TLS
    settings are used, never shown."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str] | None = None,
        verify: bool | str = True,
        timeout: float | httpx.Timeout = 5.0,
    ) -> None:
        self.url = url.rstrip("/")
        self._verify = verify
        self._headers = headers or {}
        self._tls = _shared_verify(verify)  # a bad CA bundle is said at once
        self._timeout = timeout
        self._client: httpx.Client | None = None  # opened by the first request
        self._client_lock = threading.Lock()
        #: The cluster's Flink version once asked (:meth:`flink_version`, :func:`reached`).
        self.cluster_version: str | None = None

    def __repr__(self) -> str:
        return f"RestClient({self.url!r})"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer (None if empty); a short UsageError for what went wrong."""
        response = self._send(method, path, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:  # another server on that port (a web page, a proxy's own answer)
            raise UsageError(f"{self.url} answered {method} {path} with something other than "
                             "Flink's REST API (not JSON). Check rest.address and rest.port."
                             ) from None

    def raw(self, path: str) -> bytes:
        """A GET's body as it is (a file Flink serves, such as a TaskManager's .out)."""
        return self._send("GET", path).content

    def _connection(self) -> httpx.Client:
        """The httpx client (its pool holds a socket to the cluster), opened again after
        :meth:`close`: a handle the session let go may still be asked something."""
        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client(
                    base_url=self.url, headers=self._headers,
                    verify=self._tls, timeout=self._timeout,
                )
            return self._client

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        client = self._connection()
        try:
            try:
                response = client.request(method, path, **kwargs)
            except (RuntimeError, httpx.TransportError):
                if self._client is client:
                    raise
                # Closed by another thread meanwhile (a view that ended): ask again.
                response = self._connection().request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from None
        if response.is_redirect and self.url.startswith("http:"):
            target = httpx.URL(response.headers.get("location", ""))
            if target.scheme == "https":  # what Flink's TLS port answers to plain http
                raise UsageError(
                    f"The Flink cluster at {self.url} answers over https only (it redirects "
                    f"to https://{target.netloc.decode()}): use https:// in rest.address."
                )
        if response.status_code == 404 and path.startswith("/jobs/"):
            raise UsageError(f"No job {path.split('/')[2]} on {self.url}.")
        if response.status_code == 404 and path == "/overview":
            raise UsageError(
                f"No Flink REST API at {self.url} (GET /overview: 404 Not Found). "
                "Check rest.address and rest.port."
            )
        if response.status_code in (401, 403, 407):
            raise UsageError(
                f"The Flink cluster at {self.url} refused the request ({response.status_code} "
                f"{response.reason_phrase}): an authenticating proxy? Set its headers with "
                "notebook.rest-headers."
            )
        if response.status_code >= 400:
            try:
                errors = response.json().get("errors", [])
            except ValueError:
                errors = [response.text]
            lines = str(errors[0]).strip().splitlines() if errors else []
            first = lines[0] if lines else response.reason_phrase
            raise RestRefused(
                f"Flink REST {method} {self.url}{path} failed ({response.status_code}): {first}",
                response.status_code,
            )
        return response

    def _transport_error(self, exc: httpx.TransportError) -> UsageError:
        """What a failed connection means, in one line: a TLS problem names itself and
        what to set; otherwise the cluster is :class:`Unreachable` (it may come back)."""
        tls = _cause(exc, ssl.SSLError)
        if isinstance(tls, ssl.SSLCertVerificationError):
            return UsageError(tls_check_problem(self.url, tls, self._verify))
        if tls is not None and self.url.startswith("https:"):
            reason = (tls.reason or type(tls).__name__).replace("_", " ").lower()
            return UsageError(f"The Flink cluster at {self.url} does not answer with TLS "
                              f"({reason}): if its REST API is plain http, use http:// in "
                              "rest.address.")
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = ""
        # Connected, then dropped before an answer: what a TLS port does with plain http.
        dropped = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
        if isinstance(exc, dropped) and self.url.startswith("http:"):
            hint = " If its REST API uses TLS, use https:// in rest.address."
        return Unreachable(f"Cannot reach the Flink cluster at {self.url} ({reason}). Is it "
                           f"running? Check rest.address and rest.port.{hint}")

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def overview(self) -> dict:
        return self.get("/overview")

    def config(self) -> dict:
        return self.get("/config")

    def flink_version(self) -> str:
        """The cluster's Flink version, ``flink-version`` of GET /config (the issue's
        contract). Flink 1.20, 2.0, 2.1, 2.2 and 2.3 all say it there (and in /overview:
        checked on clusters of 1.20.5 and 2.3.0, and in each distribution's REST classes,
        DashboardConfiguration and ClusterOverviewWithVersion). Asked once per client."""
        if self.cluster_version is None:
            try:
                config = self.config()
            except RestRefused as exc:
                if exc.status != 404:
                    raise
                config = None
            version = config.get("flink-version") if isinstance(config, dict) else None
            if not version:
                raise UsageError(f"{self.url} answers, but not as Flink's REST API (GET "
                                 "/config has no flink-version). Check rest.address and "
                                 "rest.port.")
            self.cluster_version = str(version)
        return self.cluster_version

    def jobs_overview(self) -> list[dict]:
        return self.get("/jobs/overview")["jobs"]

    def job(self, job_id: str) -> dict:
        return self.get(f"/jobs/{job_id}")

    def job_exceptions(self, job_id: str) -> dict:
        return self.get(f"/jobs/{job_id}/exceptions")

    def execution_result(self, job_id: str) -> dict:
        return self.get(f"/jobs/{job_id}/execution-result")

    def vertex_metric_ids(self, job_id: str, vertex_id: str) -> list[str]:
        """The metrics a job vertex's subtasks report (task-level ones unprefixed,
        operator-level ones as ``<operator>.<metric>``)."""
        metrics = self.get(f"/jobs/{job_id}/vertices/{vertex_id}/subtasks/metrics") or []
        return [m["id"] for m in metrics]

    def vertex_metrics(self, job_id: str, vertex_id: str, ids: list[str]) -> dict[str, dict]:
        """``ids`` of a vertex aggregated over its subtasks: ``{id: {min, max, sum}}``."""
        if not ids:
            return {}
        metrics = self.request("GET", f"/jobs/{job_id}/vertices/{vertex_id}/subtasks/metrics",
                               params={"get": ",".join(ids), "agg": "min,max,sum"}) or []
        return {m["id"]: m for m in metrics}

    def taskmanagers(self) -> list[dict]:
        return self.get("/taskmanagers")["taskmanagers"]

    def cancel(self, job_id: str) -> None:
        self.request("PATCH", f"/jobs/{job_id}", params={"mode": "cancel"})

    def trigger_savepoint(self, job_id: str, directory: str, cancel_job: bool = False) -> str:
        body = {"target-directory": directory, "cancel-job": cancel_job}
        return self.request("POST", f"/jobs/{job_id}/savepoints", json=body)["request-id"]

    def stop_with_savepoint(self, job_id: str, directory: str, drain: bool = False) -> str:
        body = {"targetDirectory": directory, "drain": drain}
        return self.request("POST", f"/jobs/{job_id}/stop", json=body)["request-id"]

    def savepoint_status(self, job_id: str, trigger_id: str) -> dict:
        return self.get(f"/jobs/{job_id}/savepoints/{trigger_id}")

    def wait_savepoint(self, job_id: str, trigger_id: str, timeout: float = 120.0) -> str:
        """The savepoint's path once it is complete; UsageError with the cause if it failed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.savepoint_status(job_id, trigger_id)
            if status["status"]["id"] == "COMPLETED":
                operation = status.get("operation", {})
                if "location" in operation:
                    return operation["location"]
                cause = operation.get("failure-cause", {}).get("stack-trace", "unknown cause")
                raise UsageError(f"The savepoint of job {job_id} failed: {summarize_trace(cause)}")
            time.sleep(0.3)
        raise UsageError(f"The savepoint of job {job_id} did not complete in {timeout:.0f} s.")

    def shutdown_cluster(self) -> None:
        self.request("DELETE", "/cluster")

    def web_url(self, job_id: str) -> str:
        return f"{self.url}/#/job/running/{job_id}/overview"

    def close(self) -> None:
        """Close its connections (each keeps a socket, a file descriptor, open until then);
        a later request opens one again."""
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()
