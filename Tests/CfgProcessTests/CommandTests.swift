import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgProcess

#if canImport(Glibc)
import Glibc
#endif

/// Finding the program in the command's own `PATH`, and `execve`'s failures (a successful one would replace the test
/// runner, so only failures are run here; `cfg exec`'s end-to-end tests run the successful ones).
struct CommandTests {
    @Test func programWithASlashIsTakenAsGiven() {
        #expect(Command.locate("./bin/tool", path: "/nowhere") == "./bin/tool")
        #expect(Command.locate("/no/such/program", path: nil) == "/no/such/program")
    }

    @Test func programIsSearchedInTheCommandsPath() throws {
        try Child.withDirectory { directory in
            let tool = directory + "/b/tool"
            try FileManager.default.createDirectory(atPath: directory + "/a", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: directory + "/b", withIntermediateDirectories: true)
            // Not executable, a directory, then the executable: the first executable regular file wins.
            _ = FileManager.default.createFile(
                atPath: directory + "/a/tool",
                contents: Data(),
                attributes: [.posixPermissions: 0o644]
            )
            try FileManager.default.createDirectory(atPath: directory + "/c/tool", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: tool, contents: Data(), attributes: [.posixPermissions: 0o755])
            let path = "\(directory)/a:\(directory)/c:\(directory)/b"
            #expect(Command.locate("tool", path: path) == tool)
            #expect(Command.locate("other", path: path) == nil)
            let command = Command(arguments: ["tool", "--flag"], environment: [(name: "PATH", value: path)])
            #expect(command.executablePath == tool)
        }
    }

    @Test func emptyProgramIsNeverFound() {
        #expect(Command.locate("", path: "/bin") == nil)
    }

    @Test func execOfAMissingProgramSaysNotFound() throws {
        let error = keepingSignalMask {
            Command(arguments: ["/no/such/program-xyz"], environment: []).exec(as: "exec")
        }
        #expect(error.code == .commandNotFound)
        #expect(error.systemErrorNumber == ENOENT)
        #expect(
            error.description
                == "exec: command '/no/such/program-xyz' not found (No such file or directory); check PATH and the image."
        )
    }

    @Test func execOfAProgramNotInPathSaysNotFound() {
        let error = keepingSignalMask {
            Command(arguments: ["no-such-program-xyz"], environment: [(name: "PATH", value: "/nonexistent")])
                .exec(as: "exec")
        }
        #expect(error.code == .commandNotFound)
        #expect(error.program == "no-such-program-xyz")
    }

    @Test func execOfAFileThatIsNotAProgramSaysCannotRun() throws {
        try Child.withDirectory { directory in
            let file = directory + "/plain-file"
            _ = FileManager.default.createFile(
                atPath: file,
                contents: Data("not a program\n".utf8),
                attributes: [.posixPermissions: 0o644]
            )
            let error = keepingSignalMask { Command(arguments: [file], environment: []).exec(as: "run") }
            #expect(error.code == .commandNotExecutable)
            #expect(error.description == "run: cannot run '\(file)': Permission denied.")
        }
    }

    /// `exec` gives the calling thread the startup mask before `execve` (a test thread gets its own back) and
    /// changes the process's core limit (under ``Child/coreLimitLock``).
    private func keepingSignalMask<T>(_ body: () -> T) -> T {
        Child.coreLimitLock.withLock { _ in
            var mask = sigset_t()
            pthread_sigmask(SIG_BLOCK, nil, &mask)
            defer { pthread_sigmask(SIG_SETMASK, &mask, nil) }
            return body()
        }
    }
}
