import Testing
import BioCubeERA5

@Test func libraryVersionIsReported() {
    #expect(netCDFLibraryVersion.hasPrefix("4."))
}
