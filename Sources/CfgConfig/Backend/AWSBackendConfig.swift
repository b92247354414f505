/// `backend: { type: aws, region: …, profile: …, endpoint: … }`: parsed and validated now; served by the AWS issue.
package struct AWSBackendConfig: Sendable, Hashable {
    package var region: String?
    package var profile: String?
    package var endpoint: String?

    package init(region: String?, profile: String?, endpoint: String?) {
        self.region = region
        self.profile = profile
        self.endpoint = endpoint
    }
}
