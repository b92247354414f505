import CfgSecure
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    // MARK: readRegular: special files, links and limits (issue 11, defect 9)

    @Test func readRegularRefusesAFIFOWithoutWaitingForAWriter() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store")
        #expect(mkfifo(path, 0o600) == 0)
        // Before the fix, opening a FIFO blocked until a writer came: this test would hang.
        let error = #expect(throws: FileError.self) {
            _ = try SecureFile.readRegular(path, limit: 1024, followLinks: false)
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("FIFO") == true)
        #expect(throws: FileError.self) {
            _ = try SecureFile.readRegularBytes(path, limit: 1024, followLinks: true)
        }
    }

    @Test(arguments: ["/dev/zero", "/dev/null", "/tmp"])
    func readRegularRefusesDevicesAndDirectories(path: String) throws {
        let error = #expect(throws: FileError.self) {
            _ = try SecureFile.readRegularBytes(path, limit: 1 << 20, followLinks: true)
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.description.contains("\"\(path)\"") == true)
        #expect(error?.description.contains("not a regular file") == true)
    }

    @Test func readRegularRefusesALinkUnlessLinksAreFollowed() throws {
        let directory = try TemporaryDirectory()
        try AtomicFile.write(Array("content".utf8), to: directory.file("target"))
        #expect(symlink(directory.file("target"), directory.file("link")) == 0)
        let error = #expect(throws: FileError.self) {
            _ = try SecureFile.readRegularBytes(directory.file("link"), limit: 64, followLinks: false)
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.description.contains("symbolic link") == true)
        #expect(try SecureFile.readRegularBytes(directory.file("link"), limit: 64, followLinks: true).count == 7)
    }

    @Test func readRegularAcceptsAFileAtTheLimitAndRefusesOneBytePast() throws {
        let directory = try TemporaryDirectory()
        let limit = 4096
        let atLimit = directory.file("at-limit")
        let pastLimit = directory.file("past-limit")
        try AtomicFile.write([UInt8](repeating: 0x41, count: limit), to: atLimit)
        try AtomicFile.write(Array(canary.utf8) + [UInt8](repeating: 0x41, count: limit), to: pastLimit)
        #expect(try SecureFile.readRegular(atLimit, limit: limit, followLinks: false).count == limit)
        #expect(try SecureFile.readRegularBytes(atLimit, limit: limit, followLinks: false).count == limit)
        let secretError = #expect(throws: FileError.self) {
            _ = try SecureFile.readRegular(pastLimit, limit: limit, followLinks: false)
        }
        let bytesError = #expect(throws: FileError.self) {
            _ = try SecureFile.readRegularBytes(pastLimit, limit: limit, followLinks: false)
        }
        for error in [secretError, bytesError] {
            #expect(error?.code == .invalidInput)
            #expect(error?.description.contains(pastLimit) == true)
            #expect(error?.description.contains("4 KiB (4096 bytes)") == true)
            #expect(error?.description.contains(canary) == false)
        }
    }

    @Test func readRegularStopsAtTheLimitOnAFileWithoutAKnownSize() throws {
        // /proc files report size 0; the limit still holds.
        let error = #expect(throws: FileError.self) {
            _ = try SecureFile.readRegular("/proc/self/status", limit: 16, followLinks: true)
        }
        #expect(error?.code == .invalidInput)
        #expect(try SecureFile.readRegular("/proc/self/status", limit: 1 << 20, followLinks: true).count > 16)
    }

    @Test func readRegularShowsTheCheckTheOwnerAndModeOfTheFileItReads() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("key")
        try AtomicFile.write(Array(canary.utf8), to: path, mode: 0o640)
        let refusal = FileError(.invalidInput, "refused by the check", path: path)
        let error = #expect(throws: FileError.self) {
            _ = try SecureFile.readRegular(path, limit: 1024, followLinks: false) { (status) throws(FileError) in
                #expect(status.owner == geteuid())
                #expect(status.permissions == 0o640)
                throw refusal
            }
        }
        #expect(error?.description == "refused by the check")
        #expect(try SecureFile.readRegular(path, limit: 1024, followLinks: false) == Secret(copying: canary))
    }

    @Test func directoryStatusReportsOwnerAndModeAndRefusesAFile() throws {
        let directory = try TemporaryDirectory()
        #expect(chmod(directory.path, 0o750) == 0)
        let status = try SecureFile.directoryStatus(directory.path)
        #expect(status.owner == geteuid())
        #expect(status.permissions == 0o750)
        try AtomicFile.write(Array("x".utf8), to: directory.file("file"))
        #expect(throws: FileError.self) { _ = try SecureFile.directoryStatus(directory.file("file")) }
    }

    @Test func aCredentialFileIsReadThroughALinkAndBoundedAtOneMebibyte() throws {
        let directory = try TemporaryDirectory()
        try AtomicFile.write(Array("token".utf8), to: directory.file("token"))
        #expect(symlink(directory.file("token"), directory.file("mounted")) == 0)
        #expect(try SecureFile.readCredentialFile(directory.file("mounted")) == Secret(copying: "token"))
        try AtomicFile.write([UInt8](repeating: 0x41, count: SecureFile.credentialFileLimit), to: directory.file("at"))
        #expect(try SecureFile.readCredentialFile(directory.file("at")).count == SecureFile.credentialFileLimit)
        try AtomicFile.write(
            Array(canary.utf8) + [UInt8](repeating: 0x41, count: SecureFile.credentialFileLimit),
            to: directory.file("past")
        )
        let error = #expect(throws: FileError.self) { _ = try SecureFile.readCredentialFile(directory.file("past")) }
        #expect(error?.code == .invalidInput)
        #expect(error?.description.contains(canary) == false)
    }

    @Test func aCredentialFileThatIsAFIFOOrADeviceIsRefusedWithoutWaiting() throws {
        let directory = try TemporaryDirectory()
        #expect(mkfifo(directory.file("fifo"), 0o600) == 0)
        for path in [directory.file("fifo"), "/dev/zero"] {
            let error = #expect(throws: FileError.self) { _ = try SecureFile.readCredentialFile(path) }
            #expect(error?.description.contains("not a regular file") == true)
        }
    }
}
