internal import CProcess

/// The command line cfg was started with, read without /proc.
///
/// On Linux, Swift's `CommandLine.arguments` reads /proc/self/cmdline, and where /proc is not mounted (a bare chroot,
/// a minimal container) it finds nothing, so cfg would print its help and succeed whatever it was asked. The C
/// library passes the real arguments to the executable's initialisers before `main`; CProcess keeps them (and gives
/// them to the Swift runtime as well). Where nothing was captured (another C library), `CommandLine.arguments` is
/// the fallback.
package enum StartupArguments {
    /// The arguments, the program's name first; empty when neither source has any (an empty argv, or no capture and
    /// no /proc), which the caller must refuse rather than run as if no argument had been given.
    package static func read() -> [String] {
        var count: Int32 = 0
        if let vector = cfg_startup_arguments(&count), count > 0 {
            return (0..<Int(count)).map { index in vector[index].map { String(cString: $0) } ?? "" }
        }
        return CommandLine.arguments
    }
}
