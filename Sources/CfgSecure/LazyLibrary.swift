/// The Swift side of `CLazyLibrary`: a C library's `cfg_X_load` or `cfg_X_load_from` turned into a message.
package enum LazyLibrary {
    /// nil when `load` (a `cfg_X_load(error, size)` function) returns 0, or one line naming the library, why it
    /// could not be loaded (the loader's reason, a file name: never a secret) and the Debian package to install.
    package static func failure(
        of library: String,
        package debianPackage: String,
        _ load: (UnsafeMutablePointer<CChar>, Int) -> Int32
    ) -> String? {
        var error = [CChar](repeating: 0, count: 512)
        let size = error.count
        guard load(&error, size) != 0 else { return nil }
        let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(library) could not be loaded (\(reason)); install the Debian package \(debianPackage)"
    }
}
