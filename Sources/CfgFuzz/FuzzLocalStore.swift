import CfgBackend
import CfgLocal
import CfgSecure
import Foundation
import Synchronization

/// The fixed key of the local store target (32 bytes); a test key that protects nothing.
private let fuzzStoreKey = Secret(bytes: Array(repeating: UInt8(0x5A), count: XChaCha20Poly1305.keyByteCount))

/// The environment the target's stores belong to.
private let fuzzStoreEnvironment = "fuzz"

/// Numbers the store files, so that inputs replayed in parallel never share one.
private let fuzzStoreCounter = Mutex(0)

/// Feeds the input to the local store as its file, through ``LocalBackend`` as `cfg` reads it.
///
/// An input that starts with `CFGSTORE` is the whole file (envelope, key check, sealed box); it reaches the
/// decryption only when it was sealed under the test key. Any other input is the decrypted document: the target
/// seals it under the test key first, so that every mutation reaches the JSON decoder and the document's reads.
package func fuzzLocalStore(_ bytes: UnsafeRawBufferPointer) async {
    let content: [UInt8]
    if bytes.starts(with: "CFGSTORE".utf8) {
        content = Array(bytes)
    } else {
        guard let sealed = sealedStore(Secret(bytes: bytes)) else { return }
        content = sealed
    }
    let directory = fuzzStoreDirectory()
    let number = fuzzStoreCounter.withLock { count in
        defer { count += 1 }
        return count
    }
    let path = "\(directory)/store-\(number).enc"
    do {
        try AtomicFile.write(content, to: path)
    } catch {
        preconditionFailure("the fuzz target cannot write its store file: \(error)")
    }
    defer { unlink(path) }
    let backend = LocalBackend(storePath: path, key: fuzzStoreKey, environmentName: fuzzStoreEnvironment)
    await exercise(backend)
    _ = await backend.fetch([SecretRequest(path: SecretPath("airflow/fuzz/db")), SecretRequest(path: SecretPath("x"))])
}

/// The store file for a plaintext, as `LocalStoreFile.seal` writes it: `CFGSTORE`, version 1, the key check,
/// then the XChaCha20-Poly1305 box bound to the environment's name.
private func sealedStore(_ plaintext: Secret) -> [UInt8]? {
    let check = HMACSHA256.authenticate(Array("cfg-local-store key check v1".utf8), key: fuzzStoreKey).prefix(16)
    guard
        let box = try? XChaCha20Poly1305.seal(
            plaintext,
            key: fuzzStoreKey,
            associatedData: Array("cfg-local-store v1 \(fuzzStoreEnvironment)".utf8)
        )
    else { return nil }
    return Array("CFGSTORE".utf8) + [1] + check + box
}

/// A private directory for this process's store files, made once.
private func fuzzStoreDirectory() -> String {
    fuzzStoreDirectoryPath
}

/// Made on first use: `TMPDIR/cfg-fuzz-XXXXXX`, mode 0700; removed with its content when the process exits
/// normally (libFuzzer's `-max_total_time`, a corpus replay).
private let fuzzStoreDirectoryPath: String = {
    let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    var template = Array("\(base)/cfg-fuzz-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else {
        preconditionFailure("the fuzz target cannot make its temporary directory")
    }
    atexit { try? FileManager.default.removeItem(atPath: fuzzStoreDirectoryPath) }
    return String(cString: made)
}()
