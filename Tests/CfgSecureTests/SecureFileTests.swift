import CfgSecure
import Foundation
import Testing

struct SecureFileTests {
    @Test func readsASecret() throws {
        let directory = try TemporaryDirectory()
        try AtomicFile.write(Array(canary.utf8), to: directory.file("key"))
        #expect(try SecureFile.read(directory.file("key")) == Secret(copying: canary))
    }

    @Test func readsAnEmptyFile() throws {
        let directory = try TemporaryDirectory()
        try AtomicFile.write([UInt8](), to: directory.file("empty"))
        #expect(try SecureFile.read(directory.file("empty")).isEmpty)
    }

    @Test func readsFilesWithoutAKnownSize() throws {
        // /proc files report a size of 0 but have content.
        let secret = try SecureFile.read("/proc/self/status")
        #expect(secret.count > 0)
        #expect(try SecureFile.readBytes("/proc/self/status").count > 0)
    }

    @Test func missingFileIsNotFoundAndNamesThePath() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("absent")
        let error = #expect(throws: FileError.self) {
            _ = try SecureFile.read(path)
        }
        #expect(error?.code == .notFound)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("No such file or directory") == true)
        #expect(throws: FileError.self) {
            _ = try SecureFile.readBytes(path)
        }
        #expect(throws: FileError.self) {
            _ = try SecureFile.permissions(path)
        }
    }

    @Test func readingADirectoryIsAnIOError() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: FileError.self) {
            _ = try SecureFile.read(directory.path)
        }
        #expect(error?.code == .io)
    }

    @Test func permissionsReportsTheModeBits() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("key")
        try AtomicFile.write(Array("k".utf8), to: path, mode: 0o640)
        let mode = try SecureFile.permissions(path)
        #expect(mode == 0o640)
        #expect(mode & 0o077 != 0)
    }
}
