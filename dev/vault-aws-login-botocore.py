#!/usr/bin/env python3
"""Re-signs the sts:GetCallerIdentity request of a Vault AWS IAM login with botocore, as an independent check.

Usage:
    python3 dev/vault-aws-login-botocore.py < login.json

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

import json
import sys

try:
    import botocore.awsrequest
    from botocore_sigv4 import sign as sign_request
except ImportError as error:  # pragma: no cover - depends on the machine
    print(f"botocore is not installed: {error}", file=sys.stderr)
    sys.exit(3)

DERIVED = {"authorization", "x-amz-date", "x-amz-security-token", "host"}


def sign(login):
    """Signs the login's request and returns the result object."""
    request = botocore.awsrequest.AWSRequest(method=login["method"], url=login["url"], data=login["body"])
    for name, values in login["headers"].items():
        if name.lower() in DERIVED:
            continue
        # HTTPHeaders appends on assignment, so several values of one name stay in order.
        for value in values:
            request.headers[name] = value
    return sign_request(
        request, login["accessKey"], login["secretKey"], login.get("token"), "sts", login["region"],
        login["epochSeconds"],
    )


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
