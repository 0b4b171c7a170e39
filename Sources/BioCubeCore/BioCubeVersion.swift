/// The version of BioCube, as `biocube --version` and the HTTP `User-Agent` show it.
package enum BioCubeVersion {
    /// `major.minor.patch`.
    package static let string = "0.1.0"
}
