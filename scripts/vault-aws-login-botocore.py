#!/usr/bin/env python3
"""Re-signs the sts:GetCallerIdentity request of a Vault AWS IAM login with botocore, as an independent check.

Usage:
    python3 scripts/vault-aws-login-botocore.py < login.json

stdin is one JSON object: the credentials, the signing time, and the request pieces cfg put (base64-decoded)
into the login body:

    {"accessKey": "AKID...", "secretKey": "...", "token": null | "...", "region": "us-east-1",
     "epochSeconds": 1768478400, "method": "POST", "url": "https://sts.amazonaws.com/",
     "body": "Action=GetCallerIdentity&Version=2011-06-15",
     "headers": {"Content-Type": ["..."], "Host": ["..."], "X-Amz-Date": ["..."], "Authorization": ["..."], ...}}

stdout is one JSON object:

    {"authorization": "AWS4-HMAC-SHA256 ...", "xAmzDate": "...", "securityToken": null | "...",
     "canonicalRequest": "..."}

The request is rebuilt with botocore.awsrequest.AWSRequest from the method, URL, body and every header except
the ones botocore derives itself (Authorization, X-Amz-Date, X-Amz-Security-Token, and Host, which botocore
takes from the URL, so a wrong Host would show up as a different signature). It is signed with
botocore.auth.SigV4Auth(Credentials(...), "sts", region) with the clock pinned to epochSeconds (UTC). The
canonical request is there for diagnostics only.

Exit status: 0 on success, 3 when botocore cannot be imported (the caller skips or fails), 2 on unreadable
input. Nothing is sent over the network. Needs only botocore.
"""

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

DERIVED = {"authorization", "x-amz-date", "x-amz-security-token", "host"}


class RecordingSigV4Auth(botocore.auth.SigV4Auth):
    """SigV4Auth that remembers the canonical request it signed (add_auth does not return it)."""

    last_canonical_request = None

    def canonical_request(self, request):
        result = super().canonical_request(request)
        self.last_canonical_request = result
        return result


def sign(login):
    """Signs the login's request and returns the result object."""
    moment = datetime.datetime.fromtimestamp(login["epochSeconds"], datetime.timezone.utc).replace(tzinfo=None)
    request = botocore.awsrequest.AWSRequest(method=login["method"], url=login["url"], data=login["body"])
    for name, values in login["headers"].items():
        if name.lower() in DERIVED:
            continue
        # HTTPHeaders appends on assignment, so several values of one name stay in order.
        for value in values:
            request.headers[name] = value
    credentials = botocore.credentials.Credentials(login["accessKey"], login["secretKey"], login.get("token"))
    auth = RecordingSigV4Auth(credentials, "sts", login["region"])
    # botocore >= 1.34 reads the clock through botocore.auth.get_current_datetime; older versions called
    # datetime.datetime.utcnow(), which botocore's own tests patch. Pin whichever this version uses.
    if hasattr(botocore.auth, "get_current_datetime"):
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=moment):
            auth.add_auth(request)
    else:  # pragma: no cover - old botocore
        with mock.patch.object(botocore.auth.datetime, "datetime", mock.Mock(wraps=datetime.datetime)) as clock:
            clock.utcnow.return_value = moment
            auth.add_auth(request)
    return {
        "authorization": request.headers.get("Authorization"),
        "xAmzDate": request.headers.get("X-Amz-Date"),
        "securityToken": request.headers.get("X-Amz-Security-Token"),
        "canonicalRequest": auth.last_canonical_request,
    }


def main():
    try:
        login = json.load(sys.stdin)
        if not isinstance(login, dict):
            raise ValueError("not an object")
    except ValueError as error:
        print(f"stdin is not a JSON object describing the login request: {error}", file=sys.stderr)
        return 2
    json.dump(sign(login), sys.stdout)
    sys.stdout.write("\n")
    print(f"botocore {botocore.__version__} signed the login request", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
