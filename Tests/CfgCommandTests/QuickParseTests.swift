import ArgumentParser
import CfgTestSupport
import Testing

@testable import cfg

/// ``QuickParse`` gives the request ArgumentParser's value gives, or nil (ArgumentParser then parses): over the hand
/// picked forms below and thousands of argument lists drawn from each command's words, valid and not.
@Suite struct QuickParseTests {
    /// What ArgumentParser's whole command tree makes of `arguments`, as the request the command runs; nil where
    /// it refuses them (or prints help).
    static func viaArgumentParser(_ arguments: [String]) -> QuickParse.Command? {
        guard let parsed = try? CfgCommand.parseAsRoot(arguments) else { return nil }
        switch parsed {
        case let command as RenderCommand:
            return .render(command.request)
        case let command as ExecCommand:
            return (try? command.request()).map(QuickParse.Command.exec)
        case let command as RunCommand:
            return (try? command.request()).map(QuickParse.Command.run)
        case let command as KeygenCommand:
            return .keygen(command.request)
        case is VersionCommand:
            return .version(full: true)
        case let command as CfgCommand:
            return command.version ? .version(full: false) : nil
        default:
            return nil
        }
    }

    /// Expects the quick result, where there is one, to be ArgumentParser's; returns it.
    @discardableResult
    static func expectAgreement(
        _ arguments: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    )
        -> QuickParse.Command?
    {
        let quick = QuickParse.command(arguments)
        if let quick {
            #expect(quick == viaArgumentParser(arguments), "\(arguments)", sourceLocation: sourceLocation)
        }
        return quick
    }

    @Test(arguments: [
        ["render", "prod"],
        ["render", "prod", "--check"],
        ["render", "--check", "prod"],
        ["render", "prod", "--diff", "--format", "json"],
        ["render", "prod", "--check", "--format=json"],
        ["render", "-C", "/srv/airflow", "prod", "--out", "/tmp/out"],
        ["render", "prod", "--out", "-", "--output", "airflow.env"],
        ["render", "prod", "--service=scheduler", "--output=ecs/scheduler.json"],
        ["render", "/abs/env.yaml", "--out=/tmp/a=b"],
        ["exec", "prod", "--", "airflow", "scheduler"],
        ["exec", "prod", "--service", "scheduler", "--", "airflow", "scheduler"],
        ["exec", "--service", "web", "prod", "--", "airflow", "api-server", "--port", "8080"],
        ["exec", "-C", "/opt/cfg", "prod", "--service=worker", "--", "celery", "--help"],
        ["exec", "prod", "airflow", "--service", "x"],
        ["exec", "prod", "--", "--service", "x"],
        ["exec", "prod", "-C", "/opt/cfg", "--", "/bin/true"],
        ["run", "prod", "--service", "scheduler", "--", "airflow", "scheduler"],
        ["run", "-C", "dir", "prod", "--", "sleep", "infinity"],
        ["keygen", "fernet"],
        ["keygen", "password", "--length", "48", "--profile", "uri-safe", "--exclude", "\"'"],
        ["keygen", "bytes", "--length=16", "--encoding=base64url"],
        ["keygen", "--length", "12", "password"],
        ["--version"],
        ["version"],
    ])
    func theCommonFormsAreReadQuicklyAndAsArgumentParserReadsThem(_ arguments: [String]) {
        #expect(Self.expectAgreement(arguments) != nil, "\(arguments)")
    }

    @Test(arguments: [
        [], ["--help"], ["-h"], ["help"], ["render"], ["render", "--help"], ["render", "prod", "-h"],
        ["render", "prod", "--check", "--diff"], ["render", "prod", "--format", "json"],
        ["render", "prod", "--check", "--out", "-"], ["render", "prod", "--format", "xml", "--check"],
        ["render", "prod", "other"], ["render", "prod", "--check", "--check"],
        ["render", "prod", "--out", "a", "--out=b"],
        ["render", "prod", "--service"], ["render", "prod", "--out="], ["render", "prod", "--check=yes"],
        ["render", "prod", "--unknown"],
        ["render", "prod", "--", "--check"], ["render", "-Cdir", "prod"], ["render", "prod", "--service", "--check"],
        ["exec", "prod"], ["exec", "prod", "--"], ["exec", "prod", "--service"], ["exec", "--help"],
        ["exec", "prod", "--", ""], ["exec", "--unknown", "prod", "--", "x"], ["exec"],
        ["keygen"], ["keygen", "rsa"], ["keygen", "password", "--length", "0"],
        ["keygen", "bytes", "--encoding", "b32"],
        ["keygen", "password", "--profile", "weak"], ["keygen", "password", "--length", "x"],
        ["keygen", "fernet", "-C", "dir"], ["keygen", "fernet", "fernet"],
        ["--version", "x"], ["version", "--help"], ["--generate-completion-script", "bash"], ["get", "prod", "db"],
        ["check", "prod"], ["rotate", "prod", "--due"],
    ])
    func anythingElseGoesToArgumentParser(_ arguments: [String]) {
        #expect(QuickParse.command(arguments) == nil, "\(arguments)")
    }

    /// Argument lists drawn from a command's words (each a piece of one or two words), in every order, valid and
    /// not: wherever the quick parse answers, ArgumentParser agrees; and it answers for a good share of them.
    @Test(arguments: [
        (
            "render",
            [
                ["prod"], ["prod"], ["other"], ["-"], ["--check"], ["--diff"], ["--out", "x"], ["--out=x"],
                ["--out", "-"],
                ["--out=-"], ["--out="], ["-C", "dir"], ["-C=dir"], ["-Cdir"], ["-C", "-"], ["-C"],
                ["--format", "json"],
                ["--format=json"], ["--format", "text"], ["--format", "xml"], ["--service", "web"], ["--service=web"],
                ["--service=a=b"], ["--service", ""], ["--service", "-x"], ["--service=-x"], ["--service"],
                ["--output", "p/q.env"], ["--output=p"], ["--help"], ["-h"], ["--"], ["--unknown"], ["-x"],
                ["--check=1"], ["--Check"], ["--out", "--check"], ["--service", "--"], ["--out", "-C"],
            ]
        ),
        (
            "exec",
            [
                ["prod"], ["prod"], ["-C", "dir"], ["-C=dir"], ["--service", "web"], ["--service=web"], ["--service"],
                ["--"], ["--"], ["airflow"], ["scheduler"], ["-C"], ["--help"], ["-h"], ["--version"], ["-x"],
                ["--pid"],
                [""], ["--service", "--"], ["--service=-x"], ["-"],
            ]
        ),
        (
            "run",
            [
                ["prod"], ["prod"], ["-C", "dir"], ["--service", "web"], ["--service=web"], ["--service"], ["--"],
                ["--"], ["sleep"], ["infinity"], ["-C"], ["--help"], ["-x"], [""],
            ]
        ),
        (
            "keygen",
            [
                ["fernet"], ["password"], ["bytes"], ["nope"], ["--length", "32"], ["--length=8"], ["--length", "0"],
                ["--length", "1025"], ["--length", "+5"], ["--length", "x"], ["--length", "-1"], ["--length=-1"],
                ["--length", " 7"], ["--profile", "uri-safe"], ["--profile=strong"], ["--profile", "bad"],
                ["--exclude", "abc"], ["--exclude="], ["--exclude", "-_"], ["--exclude=-_"], ["--encoding", "base64"],
                ["--encoding=bad"], ["--encoding", "hex"], ["-C", "d"], ["--help"], ["--"], ["--length"],
            ]
        ),
    ])
    func drawnArgumentListsAgree(command: String, pieces: [[String]]) {
        var random = SplitMix64(seed: 0x6366_6771_7569_636b)
        var answered = 0
        let lists = 4_000
        for _ in 0..<lists {
            var arguments = [command]
            for _ in 0..<Int(random.next() % 6) {
                arguments += pieces[Int(random.next() % UInt64(pieces.count))]
            }
            if Self.expectAgreement(arguments) != nil { answered += 1 }
        }
        // The draw is fixed: a share far below this means the quick parse stopped reading a common form.
        #expect(answered >= lists / 50, "\(command): \(answered) of \(lists) read quickly")
    }
}
