import CfgSecure
import Testing

struct SecureErrorTests {
    @Test func equalityComparesTheCodeOnly() {
        #expect(SecureError(.io, "one") == SecureError(.io, "two", path: "/x"))
        #expect(SecureError(.io, "one") != SecureError(.notFound, "one"))
    }

    @Test func aliasesNameTheSameType() {
        let crypto: CryptoError = SecureError(.invalidEncoding, "x")
        let file: FileError = crypto
        #expect(file.code == .invalidEncoding)
    }

    @Test func noFailureEverMentionsTheSecret() throws {
        let secret = Secret(copying: canary)
        var descriptions: [String] = []
        let key = SecureRandom.secret(count: 32)
        do {
            let sealed = try XChaCha20Poly1305.seal(secret, key: key, associatedData: [])
            _ = try XChaCha20Poly1305.open(sealed.dropLast(), key: key, associatedData: [])
        } catch {
            descriptions.append(error.description)
        }
        do { _ = try XChaCha20Poly1305.seal(secret, key: secret, associatedData: []) } catch {
            descriptions.append(error.description)
        }
        do { _ = try Base64Codec.decode(secret, variant: .urlSafe) } catch {
            descriptions.append(error.description)
        }
        do { _ = try Base64Codec.decode(canary, variant: .standard) } catch {
            descriptions.append(error.description)
        }
        do { _ = try PasswordGenerator.generate(length: 1, classes: [canary, "x"]) } catch {
            descriptions.append(error.description)
        }
        do { _ = try PasswordGenerator.generate(length: 4, classes: [canary], exclude: canary) } catch {
            descriptions.append(error.description)
        }
        do { try AtomicFile.write(secret, to: "/nonexistent-cfg-dir/out") } catch {
            descriptions.append(error.description)
        }
        #expect(descriptions.count == 7)
        for description in descriptions {
            #expect(!description.contains(canary))
            #expect(!description.contains("CANARY"))
            #expect(!description.isEmpty)
        }
    }
}
