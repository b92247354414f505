import CfgSecure
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct FileLockTests {
    @Test func runsTheBodyAndReturnsItsValue() throws {
        let directory = try TemporaryDirectory()
        let value = try FileLock.withExclusiveLock(at: directory.file("lock")) { 42 }
        #expect(value == 42)
        #expect(try SecureFile.permissions(directory.file("lock")) == 0o600)
    }

    @Test func excludesAnotherLockerWhileHeld() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("lock")
        try FileLock.withExclusiveLock(at: path) {
            let fd = open(path, O_RDWR)
            defer { close(fd) }
            #expect(fd >= 0)
            #expect(flock(fd, LOCK_EX | LOCK_NB) != 0)
            #expect(errno == EWOULDBLOCK)
        }
        let fd = open(path, O_RDWR)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
    }

    @Test func secondLockerWaitsForTheFirst() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("lock")
        let events = Mutex<[String]>([])
        let holding = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? FileLock.withExclusiveLock(at: path) {
                events.withLock { $0.append("first acquired") }
                holding.signal()
                usleep(300_000)
                events.withLock { $0.append("first released") }
            }
            finished.signal()
        }
        holding.wait()
        try FileLock.withExclusiveLock(at: path) {
            events.withLock { $0.append("second acquired") }
        }
        finished.wait()
        #expect(events.withLock { $0 } == ["first acquired", "first released", "second acquired"])
    }

    @Test func releasesTheLockWhenTheBodyThrows() throws {
        struct Boom: Error {}
        let directory = try TemporaryDirectory()
        let path = directory.file("lock")
        #expect(throws: Boom.self) {
            try FileLock.withExclusiveLock(at: path) { throw Boom() }
        }
        let fd = open(path, O_RDWR)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
    }

    @Test func unopenableLockFileIsAFileError() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: FileError.self) {
            try FileLock.withExclusiveLock(at: directory.file("missing/lock")) {}
        }
        #expect(error?.code == .notFound)
    }

    @Test func aSymbolicLinkAsTheLockFileIsRefusedNotFollowed() throws {
        let directory = try TemporaryDirectory()
        let target = directory.file("elsewhere")
        #expect(symlink(target, directory.file("lock")) == 0)
        let error = #expect(throws: FileError.self) {
            try FileLock.withExclusiveLock(at: directory.file("lock")) {}
        }
        #expect(error?.description.contains(directory.file("lock")) == true)
        #expect(FileManager.default.fileExists(atPath: target) == false)
    }
}
