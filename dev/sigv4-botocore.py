#!/usr/bin/env python3
"""Signs requests with botocore's SigV4 signer, as the reference for cfg's differential SigV4 test.

Usage:
    python3 dev/sigv4-botocore.py < cases.json > results.json

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
import json
import sys

try:
    import botocore.awsrequest
    from botocore_sigv4 import sign as sign_request
except ImportError as error:  # pragma: no cover - depends on the machine
    print(f"botocore is not installed: {error}", file=sys.stderr)
    sys.exit(3)


def sign(case):
    """Signs one case and returns the result object."""
    request = botocore.awsrequest.AWSRequest(method=case["method"], url=case["url"])
    # HTTPHeaders appends on assignment, so repeated names stay repeated and in order.
    for name, value in case["headers"]:
        request.headers[name] = value
    request.data = base64.b64decode(case["body"])
    result = sign_request(
        request, case["accessKey"], case["secretKey"], case.get("token"), case["service"], case["region"],
        case["epochSeconds"],
    )
    return {"id": case["id"], **result}


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
