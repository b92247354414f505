import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgAWSAuth

@Suite struct STSClientTests {
    private let fixedNow: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_800_000_000) }

    private func client(_ endpoint: String, transport: any HTTPTransport, region: String = "eu-west-1") -> STSClient {
        STSClient(
            endpoint: endpoint,
            region: region,
            transport: transport,
            now: fixedNow,
            timeout: .seconds(5),
            retryDelay: .zero
        )
    }

    private let source = AWSCredentials(
        accessKeyID: "AKIASOURCE",
        secretAccessKey: Secret(copying: "source-secret"),
        source: "the test"
    )

    // MARK: - Wire format

    @Test func xmlExtractorDecodesEntitiesAndReferences() throws {
        let body = Secret(
            copying: """
                <AssumeRoleResponse><AssumeRoleResult><Credentials>
                  <AccessKeyId>ASIA&#65;KEY</AccessKeyId>
                  <SecretAccessKey>a&amp;b&lt;c&gt;d&quot;e&apos;f&#x2F;g&#233;</SecretAccessKey>
                  <SessionToken>tok+/=</SessionToken>
                  <Expiration>2026-11-21T12:00:00.123Z</Expiration>
                </Credentials></AssumeRoleResult></AssumeRoleResponse>
                """
        )
        let fields = try #require(STSXML.credentials(in: body))
        #expect(fields.accessKeyID == "ASIAAKEY")
        #expect(fields.secretAccessKey == Secret(copying: "a&b<c>d\"e'f/gé"))
        #expect(fields.sessionToken == Secret(copying: "tok+/="))
        #expect(fields.expiration == "2026-11-21T12:00:00.123Z")
    }

    @Test(arguments: [
        "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><Expiration>E</Expiration></Credentials>",
        "<AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>E</Expiration>",
        "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S&bogus;</SecretAccessKey><SessionToken>T</SessionToken><Expiration>E</Expiration></Credentials>",
        "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey><![CDATA[S]]></SecretAccessKey><SessionToken>T</SessionToken><Expiration>E</Expiration></Credentials>",
        "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>&#0;</SecretAccessKey><SessionToken>T</SessionToken><Expiration>E</Expiration></Credentials>",
        "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey/><SessionToken>T</SessionToken><Expiration>E</Expiration></Credentials>",
        "",
    ])
    func xmlExtractorRejectsIncompleteOrOddContent(xml: String) {
        #expect(STSXML.credentials(in: Secret(copying: xml)) == nil)
    }

    @Test func errorCodeIsReadButOnlyWhenItLooksLikeOne() {
        let good = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>x</Message></Error>"
        #expect(STSXML.errorCode(in: Secret(copying: good)) == "AccessDenied")
        let odd = "<ErrorResponse><Error><Code>eyJhbGciOi JIUzI1NiJ9</Code></Error></ErrorResponse>"
        #expect(STSXML.errorCode(in: Secret(copying: odd)) == nil)
        #expect(STSXML.errorCode(in: Secret(copying: "not xml")) == nil)
    }

    @Test func formEncodingKeepsOnlyUnreservedCharacters() {
        let form = STSForm()
        form.add("Action", "AssumeRole")
        form.add("RoleArn", "arn:aws:iam::1:role/a b")
        form.add("Token", secret: Secret(copying: "x+y=z&é~"))
        #expect(
            form.finish().stringValue()
                == "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b&Token=x%2By%3Dz%26%C3%A9~"
        )
    }

    // MARK: - Against moto

    @Test func webIdentityAgainstMoto() async throws {
        let endpoint = try CredentialFixture.motoEndpoint()
        try await CredentialHome.with { home in
            let tokenFile = try home.write("token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl\n")
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let sts = STSClient(endpoint: endpoint, region: "us-east-1", transport: transport)
            let credentials = try await sts.assumeRoleWithWebIdentity(
                roleARN: CredentialFixture.roleARN,
                tokenFile: tokenFile,
                tokenFileSetting: "AWS_WEB_IDENTITY_TOKEN_FILE",
                source: "web identity"
            )
            #expect(credentials.accessKeyID.hasPrefix("ASIA"))
            #expect(!credentials.secretAccessKey.isEmpty)
            #expect(credentials.sessionToken?.isEmpty == false)
            let expiration = try #require(credentials.expiration)
            #expect(expiration > Date())
        }
    }

    @Test func assumeRoleAgainstMoto() async throws {
        let endpoint = try CredentialFixture.motoEndpoint()
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let sts = STSClient(endpoint: endpoint, region: "us-east-1", transport: transport)
        let credentials = try await sts.assumeRole(
            roleARN: CredentialFixture.roleARN,
            sessionName: "cfg-test",
            externalID: "ext-1",
            durationSeconds: 900,
            credentials: source,
            source: "profile 'prod'"
        )
        #expect(credentials.accessKeyID.hasPrefix("ASIA"))
        #expect(credentials.sessionToken?.isEmpty == false)
        #expect(credentials.source == "profile 'prod'")
        let expiration = try #require(credentials.expiration)
        #expect(expiration > Date())
        #expect(expiration < Date().addingTimeInterval(3600))
    }

    // MARK: - Against a scripted STS

    @Test func assumeRoleIsSignedForSTSInTheRegion() async throws {
        let server = try ScriptedHTTPServer { _ in CredentialFixture.stsSuccess() }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let credentials = try await client(server.baseURL, transport: transport).assumeRole(
            roleARN: CredentialFixture.roleARN,
            externalID: "ext id",
            durationSeconds: 3600,
            credentials: source,
            source: "profile 'prod'"
        )
        #expect(credentials.accessKeyID == "ASIASTSKEY")
        #expect(credentials.secretAccessKey == Secret(copying: "sts-secret"))
        #expect(credentials.sessionToken == Secret(copying: "sts-token"))
        #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))

        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8")
        let authorization = try #require(request.header("Authorization"))
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIASOURCE/20270115/eu-west-1/sts/aws4_request, "))
        #expect(authorization.contains("SignedHeaders=") && authorization.contains("content-type"))
        #expect(request.header("X-Amz-Date") == "20270115T080000Z")
        let form = CredentialFixture.form(request)
        #expect(form["Action"] == "AssumeRole")
        #expect(form["Version"] == "2011-06-15")
        #expect(form["RoleArn"] == CredentialFixture.roleARN)
        #expect(form["RoleSessionName"] == "cfg-1800000000")
        #expect(form["ExternalId"] == "ext id")
        #expect(form["DurationSeconds"] == "3600")
    }

    @Test func webIdentityIsUnsignedAndReadsTheTokenEveryTime() async throws {
        try await CredentialHome.with { home in
            let server = try ScriptedHTTPServer { _ in CredentialFixture.stsSuccess(action: "AssumeRoleWithWebIdentity")
            }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let tokenFile = try home.write("token", "first.token+/=\n")
            let sts = client(server.baseURL, transport: transport)
            _ = try await sts.assumeRoleWithWebIdentity(
                roleARN: CredentialFixture.roleARN,
                sessionName: "airflow-web",
                tokenFile: tokenFile,
                tokenFileSetting: "AWS_WEB_IDENTITY_TOKEN_FILE",
                source: "web identity"
            )
            try home.write("token", "second.token")
            _ = try await sts.assumeRoleWithWebIdentity(
                roleARN: CredentialFixture.roleARN,
                tokenFile: tokenFile,
                tokenFileSetting: "AWS_WEB_IDENTITY_TOKEN_FILE",
                durationSeconds: 900,
                source: "web identity"
            )
            let requests = server.requests
            try #require(requests.count == 2)
            #expect(requests.allSatisfy { $0.header("Authorization") == nil && $0.header("X-Amz-Date") == nil })
            let first = CredentialFixture.form(requests[0])
            #expect(first["Action"] == "AssumeRoleWithWebIdentity")
            #expect(first["Version"] == "2011-06-15")
            #expect(first["RoleArn"] == CredentialFixture.roleARN)
            #expect(first["RoleSessionName"] == "airflow-web")
            #expect(first["WebIdentityToken"] == "first.token+/=")
            #expect(first["DurationSeconds"] == nil)
            let second = CredentialFixture.form(requests[1])
            #expect(second["WebIdentityToken"] == "second.token")
            #expect(second["DurationSeconds"] == "900")
        }
    }

    @Test func refusalNamesRoleAndCodeButNotMessageOrToken() async throws {
        try await CredentialHome.with { home in
            let token = "eyJ.SECRET-TOKEN-VALUE.sig"
            let server = try ScriptedHTTPServer { _ in
                CredentialFixture.stsError(status: 400, code: "InvalidIdentityToken", message: "Token \(token) is bad")
            }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let tokenFile = try home.write("token", token)
            do throws(AWSCredentialError) {
                _ = try await client(server.baseURL, transport: transport).assumeRoleWithWebIdentity(
                    roleARN: CredentialFixture.roleARN,
                    tokenFile: tokenFile,
                    tokenFileSetting: "AWS_WEB_IDENTITY_TOKEN_FILE",
                    source: "web identity"
                )
                Issue.record("expected a refusal")
            } catch {
                #expect(error.code == .rejected)
                #expect(error.message.contains("InvalidIdentityToken"))
                #expect(error.message.contains(CredentialFixture.roleARN))
                #expect(!error.message.contains("SECRET-TOKEN-VALUE"))
                #expect(!error.message.contains("is bad"))
            }
            #expect(server.requests.count == 1)
        }
    }

    @Test func accessDeniedIsRejected() async throws {
        let server = try ScriptedHTTPServer { _ in
            CredentialFixture.stsError(code: "AccessDenied", message: "User is not authorized")
        }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        do throws(AWSCredentialError) {
            _ = try await client(server.baseURL, transport: transport).assumeRole(
                roleARN: CredentialFixture.roleARN,
                credentials: source,
                source: "profile 'prod'"
            )
            Issue.record("expected a refusal")
        } catch {
            #expect(error.code == .rejected)
            #expect(error.message.contains("AccessDenied"))
            #expect(error.message.contains("HTTP 403"))
            #expect(!error.message.contains("not authorized"))
        }
    }

    @Test func serverErrorsAndThrottlingAreRetried() async throws {
        let count = Mutex(0)
        let server = try ScriptedHTTPServer { _ in
            let attempt = count.withLock { value in
                value += 1
                return value
            }
            switch attempt {
            case 1: return CredentialFixture.stsError(status: 503, code: "ServiceUnavailable", message: "later")
            case 2: return CredentialFixture.stsError(status: 400, code: "Throttling", message: "slow down")
            default: return CredentialFixture.stsSuccess()
            }
        }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let credentials = try await client(server.baseURL, transport: transport).assumeRole(
            roleARN: CredentialFixture.roleARN,
            credentials: source,
            source: "profile 'prod'"
        )
        #expect(credentials.accessKeyID == "ASIASTSKEY")
        #expect(server.requests.count == 3)
    }

    @Test func persistentServerErrorIsUnreachable() async throws {
        let server = try ScriptedHTTPServer { _ in
            CredentialFixture.stsError(status: 500, code: "InternalFailure", message: "oops")
        }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        do throws(AWSCredentialError) {
            _ = try await client(server.baseURL, transport: transport).assumeRole(
                roleARN: CredentialFixture.roleARN,
                credentials: source,
                source: "p"
            )
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unreachable)
            #expect(error.message.contains("InternalFailure"))
        }
        #expect(server.requests.count == 3)
    }

    @Test func silentEndpointIsUnreachableAndNamed() async throws {
        // A server that drops every connection unanswered, kept running so no other test can take its port.
        let server = try ScriptedHTTPServer { _ in .close }
        defer { server.stop() }
        let endpoint = server.baseURL
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        do throws(AWSCredentialError) {
            _ = try await client(endpoint, transport: transport).assumeRole(
                roleARN: CredentialFixture.roleARN,
                credentials: source,
                source: "p"
            )
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unreachable)
            #expect(error.message.contains(endpoint))
        }
    }

    @Test func answerWithoutCredentialsIsMalformed() async throws {
        let server = try ScriptedHTTPServer { _ in .text("<html>proxy login</html>") }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        do throws(AWSCredentialError) {
            _ = try await client(server.baseURL, transport: transport).assumeRole(
                roleARN: CredentialFixture.roleARN,
                credentials: source,
                source: "p"
            )
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .malformed)
            #expect(!error.message.contains("proxy login"))
        }
    }

    @Test func missingOrEmptyTokenFileIsAConfigurationError() async throws {
        try await CredentialHome.with { home in
            let server = try ScriptedHTTPServer { _ in CredentialFixture.stsSuccess() }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let sts = client(server.baseURL, transport: transport)
            for (file, fragment) in [
                (home.path + "/absent", "does not exist"), (try home.write("empty", "\n"), "is empty"),
            ] {
                do throws(AWSCredentialError) {
                    _ = try await sts.assumeRoleWithWebIdentity(
                        roleARN: CredentialFixture.roleARN,
                        tokenFile: file,
                        tokenFileSetting: "AWS_WEB_IDENTITY_TOKEN_FILE",
                        source: "web identity"
                    )
                    Issue.record("expected an error")
                } catch {
                    #expect(error.code == .configuration)
                    #expect(error.message.contains(file))
                    #expect(error.message.contains(fragment))
                    #expect(error.message.contains("AWS_WEB_IDENTITY_TOKEN_FILE"))
                }
            }
            #expect(server.requests.isEmpty)
        }
    }
}
