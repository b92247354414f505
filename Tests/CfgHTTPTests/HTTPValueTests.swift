import CfgHTTP
import CfgSecure
import Testing

/// Descriptions and mirrors of the request and response values never show header values or body bytes.
struct HTTPValueTests {
    @Test func headerDescriptionIsRedacted() {
        let token = TestSupport.canary()
        let header = HTTPHeader("X-Vault-Token", token)

        #expect(header.description == "X-Vault-Token: <REDACTED>")
        #expect(TestSupport.bytes(header.value) == Array(token.utf8))
        var dumped = ""
        dump(header, to: &dumped)
        #expect(!dumped.contains(token))
    }

    @Test func requestDescriptionHidesCredentialsQueryHeadersAndBody() {
        let token = TestSupport.canary()
        let request = HTTPRequest(
            method: .post,
            url: "https://user:\(token)@vault.test:8200/v1/auth/approle/login?token=\(token)#\(token)",
            headers: [HTTPHeader("X-Vault-Token", token)],
            body: Secret(copying: token)
        )

        #expect(request.description == "POST https://vault.test:8200/v1/auth/approle/login")
        var dumped = ""
        dump(request, to: &dumped)
        #expect(!dumped.contains(token.dropFirst(7)))
        #expect(!String(reflecting: request).contains(token))
    }

    @Test func responseDescriptionShowsStatusHeaderNamesAndSizeOnly() {
        let token = TestSupport.canary()
        let response = HTTPResponse(
            status: 200,
            headers: ["Set-Cookie": token, "Content-Type": "application/json"],
            body: Secret(copying: token)
        )

        #expect(response.description == "HTTP 200 (headers: content-type, set-cookie; \(token.utf8.count)-byte body)")
        #expect(response.header("SET-COOKIE") == token)
        var dumped = ""
        dump(response, to: &dumped)
        #expect(!dumped.contains(token))
        #expect(!String(reflecting: response).contains(token))
    }

    @Test func errorsCompareByKindOnly() {
        #expect(HTTPError(.timeout, "one") == HTTPError(.timeout, "two"))
        #expect(HTTPError(.timeout, "same") != HTTPError(.tls, "same"))
        #expect(HTTPError(.proxy, "the proxy for vault:8200 failed").description == "The proxy for vault:8200 failed.")
        #expect(HTTPError(.proxy, "proxy failed.").description == "Proxy failed.")
    }

    @Test func methodsHaveTheirVerbs() {
        #expect(
            [HTTPMethod.get, .post, .put, .patch, .delete, .list, .head].map(\.rawValue)
                == ["GET", "POST", "PUT", "PATCH", "DELETE", "LIST", "HEAD"]
        )
    }
}
