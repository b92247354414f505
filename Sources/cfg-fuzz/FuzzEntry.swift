import CfgFuzz
import Foundation

// Built two ways. `make fuzz` compiles this target with `-D FUZZING -sanitize=fuzzer,address -parse-as-library`
// into .build-fuzz: libFuzzer supplies `main` and calls `LLVMFuzzerTestOneInput` with each input for the target
// named by `CFG_FUZZ_TARGET`. The ordinary build has no libFuzzer, so there the executable replays files instead:
// `cfg-fuzz TARGET FILE...` (and `cfg-fuzz --list`), which is how a crash file is reproduced under a debugger.

#if FUZZING
/// The target named by `CFG_FUZZ_TARGET`, chosen once.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["CFG_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget.named(name) else {
        let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
        FileHandle.standardError.write(Data("cfg-fuzz: set CFG_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(64)
    }
    return target
}()

/// libFuzzer's entry: feeds one input to the selected target and waits for it to finish.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    switch selectedTarget.entry {
    case .sync(let body): body(bytes)
    case .async: runToCompletion(selectedTarget, Array(bytes))
    }
    return 0
}
#else
/// Replays files through a target without libFuzzer.
@main
struct FuzzReplay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--list"] {
            for target in FuzzTarget.all { print("\(target.name)\t\(target.summary)") }
            return
        }
        guard let name = arguments.first, let target = FuzzTarget.named(name), arguments.count > 1 else {
            let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
            FileHandle.standardError.write(Data("usage: cfg-fuzz TARGET FILE... (targets: \(names))\n".utf8))
            exit(64)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cfg-fuzz: cannot read \(path)\n".utf8))
                exit(66)
            }
            runToCompletion(target, Array(data))
            print("\(name): \(path) ran to completion")
        }
    }
}
#endif

/// Runs one input through a target on the concurrency pool and blocks this (non-pool) thread until it ends.
func runToCompletion(_ target: FuzzTarget, _ input: [UInt8]) {
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        await target.run(input)
        done.signal()
    }
    done.wait()
}
