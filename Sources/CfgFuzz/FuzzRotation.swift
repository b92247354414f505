import CfgAppliers
import CfgRotation
import CfgSecure

/// Decodes the input as one Redis reply (RESP), as the Redis rotation target reads a server's answer.
package func fuzzRedisReply(_ bytes: UnsafeRawBufferPointer) {
    guard let reply = try? RedisConnection.decode(bytes) else { return }
    _ = reply == .status("OK")
    _ = String(describing: reply)
}

/// Parses the input as a rotation record and as a rotation lock record: both are read from the backend, where
/// anything with write access could have put other bytes.
package func fuzzRotationRecords(_ bytes: UnsafeRawBufferPointer) {
    let payload = Secret(bytes: bytes)
    if let record = RotationRecord(parsing: payload) {
        _ = record.encoded()
    }
    if let lock = RotationLockRecord(parsing: payload) {
        _ = lock.encoded()
    }
}
