/// `cfg rotate`: from the environment file's `rotation:` policies to one `RotationRunner` per policy.
package enum RotateCommand {}
