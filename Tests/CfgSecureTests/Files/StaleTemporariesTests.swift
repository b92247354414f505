import CfgSecure
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Removing what a killed writer left (issue 11, defect 7): only the file's own temporaries, only regular files,
/// never through a link.
struct StaleTemporariesTests {
    @Test func removesTheRegularTemporariesOfTheFileAndNothingElse() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("dev.store")
        try AtomicFile.write(Array("store".utf8), to: path)
        let stale = [".dev.store.tmp-0123456789abcdef", ".dev.store.tmp-fedcba9876543210"]
        for name in stale {
            try AtomicFile.write(Array(canary.utf8), to: directory.file(name))
        }
        let outside = directory.file("outside")
        try AtomicFile.write(Array("keep".utf8), to: outside)
        #expect(symlink(outside, directory.file(".dev.store.tmp-aaaaaaaaaaaaaaaa")) == 0)
        #expect(mkdir(directory.file(".dev.store.tmp-bbbbbbbbbbbbbbbb"), 0o700) == 0)
        #expect(mkfifo(directory.file(".dev.store.tmp-cccccccccccccccc"), 0o600) == 0)
        let kept = [
            ".dev.store.tmp-aaaaaaaaaaaaaaaa", ".dev.store.tmp-bbbbbbbbbbbbbbbb", ".dev.store.tmp-cccccccccccccccc",
            ".dev.store.tmp-not-hex", ".prod.store.tmp-0123456789abcdef", "dev.store", "outside",
        ]
        for name in [".dev.store.tmp-not-hex", ".prod.store.tmp-0123456789abcdef"] {
            try AtomicFile.write(Array("other".utf8), to: directory.file(name))
        }

        #expect(StaleTemporaries.remove(for: path) == stale)
        #expect(try directory.entries() == kept.sorted())
        #expect(try SecureFile.readBytes(outside) == Array("keep".utf8))
        #expect(StaleTemporaries.remove(for: path).isEmpty)
    }

    @Test func aMissingDirectoryRemovesNothing() throws {
        let directory = try TemporaryDirectory()
        #expect(StaleTemporaries.remove(for: directory.file("absent/dev.store")).isEmpty)
    }

    @Test(arguments: [
        (".airflow.env.tmp-0123456789abcdef", true), (".a.tmp-fedcba9876543210", true),
        (".tmp-0123456789abcdef", false), ("airflow.env.tmp-0123456789abcdef", false),
        (".airflow.env.tmp-0123456789ABCDEF", false), (".airflow.env.tmp-0123456789abcde", false),
        (".airflow.env.tmp-0123456789abcdef0", false), (".airflow.env", false),
    ])
    func anyFilesTemporaryIsRecognisedByItsWholePattern(name: String, isTemporary: Bool) {
        #expect(AtomicFile.isTemporary(name) == isTemporary)
    }

    @Test func removingInAnOpenDirectoryTakesOnlyRegularFilesTheCallerNames() throws {
        let directory = try TemporaryDirectory()
        try AtomicFile.write(Array(canary.utf8), to: directory.file(".airflow.env.tmp-0123456789abcdef"))
        try AtomicFile.write(Array("keep".utf8), to: directory.file("airflow.env"))
        #expect(mkdir(directory.file(".ecs.tmp-0123456789abcdef"), 0o700) == 0)
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        #expect(StaleTemporaries.remove(in: fd, where: AtomicFile.isTemporary) == [".airflow.env.tmp-0123456789abcdef"])
        #expect(try directory.entries() == [".ecs.tmp-0123456789abcdef", "airflow.env"])
    }
}
