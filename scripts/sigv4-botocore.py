#!/usr/bin/env python3
"""Signs requests with botocore's SigV4 signer, as the reference for cfg's differential SigV4 test.

Usage:
    python3 scripts/sigv4-botocore.py < cases.json > results.json

stdin is a JSON array of unsigned requests:

    [{"id": 0, "method": "GET", "url": "https://host:8443/a%20b?x=1",
      "headers": [["Name", "value"], ...], "body": "<base64>",
      "accessKey": "AKID...", "secretKey": "...", "token": null | "...",
      "region": "us-east-1", "service": "secretsmanager", "epochSeconds": 1440938160}, ...]

stdout is a JSON array with one object per case, in the same order:

    {"id": 0, "authorization": "AWS4-HMAC-SHA256 ...", "xAmzDate": "...", "securityToken": null | "...",
     "canonicalRequest": "..."}

or {"id": 0, "error": "..."} when botocore refuses a case. The canonical request is there for diagnostics
only. Each request is signed with botocore.auth.SigV4Auth exactly as botocore signs a non-S3 request: the
URL (path and query as sent on the wire) goes into botocore.awsrequest.AWSRequest unchanged, headers are added
in order (repeated names are kept), and the clock botocore reads (botocore.auth.get_current_datetime) is pinned
to the case's time (whole seconds since 1970, UTC), so botocore formats X-Amz-Date itself.

Exit status: 0 on success (even when some cases report an error), 3 when botocore cannot be imported (the
caller skips or fails), 2 on unreadable input. Nothing is sent over the network. Needs only botocore.
"""

import base64
import datetime
import json
import sys
from unittest import mock

try:
    import botocore
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
except ImportError as error:  # pragma: no cover - depends on the machine
    print(f"botocore is not installed: {error}", file=sys.stderr)
    sys.exit(3)


class RecordingSigV4Auth(botocore.auth.SigV4Auth):
    """SigV4Auth that remembers the canonical request it signed (add_auth does not return it)."""

    last_canonical_request = None

    def canonical_request(self, request):
        result = super().canonical_request(request)
        self.last_canonical_request = result
        return result


def sign(case):
    """Signs one case and returns the result object."""
    moment = datetime.datetime.fromtimestamp(case["epochSeconds"], datetime.timezone.utc).replace(tzinfo=None)
    request = botocore.awsrequest.AWSRequest(method=case["method"], url=case["url"])
    # HTTPHeaders appends on assignment, so repeated names stay repeated and in order.
    for name, value in case["headers"]:
        request.headers[name] = value
    request.data = base64.b64decode(case["body"])
    credentials = botocore.credentials.Credentials(case["accessKey"], case["secretKey"], case.get("token"))
    auth = RecordingSigV4Auth(credentials, case["service"], case["region"])
    # botocore >= 1.34 reads the clock through botocore.auth.get_current_datetime (older versions called
    # datetime.datetime.utcnow(), which botocore's own tests patch); pin whichever this version uses.
    if hasattr(botocore.auth, "get_current_datetime"):
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=moment):
            auth.add_auth(request)
    else:  # pragma: no cover - old botocore
        with mock.patch.object(botocore.auth.datetime, "datetime", mock.Mock(wraps=datetime.datetime)) as clock:
            clock.utcnow.return_value = moment
            auth.add_auth(request)
    return {
        "id": case["id"],
        "authorization": request.headers.get("Authorization"),
        "xAmzDate": request.headers.get("X-Amz-Date"),
        "securityToken": request.headers.get("X-Amz-Security-Token"),
        "canonicalRequest": auth.last_canonical_request,
    }


def main():
    try:
        cases = json.load(sys.stdin)
    except ValueError as error:
        print(f"stdin is not a JSON array of cases: {error}", file=sys.stderr)
        return 2
    results = []
    for case in cases:
        try:
            results.append(sign(case))
        except Exception as error:  # report per case; the Swift side shows which one failed
            results.append({"id": case.get("id"), "error": f"{type(error).__name__}: {error}"})
    json.dump(results, sys.stdout)
    sys.stdout.write("\n")
    print(f"botocore {botocore.__version__} signed {len(results)} cases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
