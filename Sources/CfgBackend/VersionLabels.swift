/// Which version carries each label: the pure rules every versioned backend applies when labels move.
///
/// Moving `current` to another version moves `previous` to the version that was current, unless the same
/// operation attaches `previous` itself. A label is on at most one version.
package struct VersionLabels: Sendable, Hashable {
    /// Label → version id.
    package private(set) var assignments: [VersionLabel: String]

    package init(_ assignments: [VersionLabel: String] = [:]) {
        self.assignments = assignments
    }

    /// The version carrying `label`, if any.
    package func version(labelled label: VersionLabel) -> String? { assignments[label] }

    /// The labels one version carries.
    package func labels(of versionID: String) -> Set<VersionLabel> {
        Set(assignments.compactMap { label, id in id == versionID ? label : nil })
    }

    /// Attaches `labels` to `versionID` in one operation (in label order).
    package mutating func attach(_ labels: Set<VersionLabel>, to versionID: String) {
        for label in labels.sorted() {
            if label == .current, let oldCurrent = assignments[.current], oldCurrent != versionID,
                !labels.contains(.previous)
            {
                assignments[.previous] = oldCurrent
            }
            assignments[label] = versionID
        }
    }

    /// Takes `label` off whichever version carries it (no-op when none does).
    package mutating func remove(_ label: VersionLabel) {
        assignments[label] = nil
    }
}
