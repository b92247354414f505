import Foundation
import Testing

@testable import CfgSecure

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `Descriptor.read`: everything up to end of file or the limit, whatever the size hint says.
@Suite struct DescriptorTests {
    /// A file of `count` bytes (a repeating pattern), opened for reading.
    static func file(_ count: Int, in directory: TemporaryDirectory) throws -> (fd: Int32, bytes: [UInt8]) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let path = directory.file("f\(count)")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        return (fd, bytes)
    }

    @Test(arguments: [
        // (file size, size hint, limit)
        (0, 0, 100), (10, 10, 100), (10, 0, 100), (10, 3, 100), (10, 1_000, 100), (100_000, 10, 1 << 20),
        (100_000, 100_000, 1 << 20), (100_000, 100_000, 50_000), (100_000, 0, 50_001), (50_000, 50_000, 50_000),
        (50_001, 50_000, 50_000), (1, -5, 10),
    ])
    func readsUpToTheEndOrTheLimit(size: Int, hint: Int, limit: Int) throws {
        let directory = try TemporaryDirectory()
        let (fd, bytes) = try Self.file(size, in: directory)
        defer { close(fd) }
        let read = try Descriptor.read(fd, upTo: limit, sizeHint: hint).get()
        #expect(read == Array(bytes.prefix(limit)))
    }

    /// A pipe delivers in pieces and may not fill the buffer: the read goes on to the end.
    @Test func aPipeIsReadToItsEndInPieces() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let pieces = (0..<20).map { index in [UInt8](repeating: UInt8(index), count: 1_000 + index) }
        let writeEnd = ends[1]
        let writer = Thread {
            for piece in pieces {
                _ = piece.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
            }
            close(writeEnd)
        }
        writer.start()
        defer { close(ends[0]) }
        #expect(try Descriptor.read(ends[0], upTo: 1 << 20, sizeHint: 0).get() == pieces.flatMap { $0 })
    }

    @Test func aFailedReadGivesItsErrno() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("w")
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(throws: Descriptor.ReadFailure(errno: EBADF)) { try Descriptor.read(fd, upTo: 10, sizeHint: 0).get() }
        #expect(Descriptor.read(fd, upTo: 10) == nil)
    }
}
