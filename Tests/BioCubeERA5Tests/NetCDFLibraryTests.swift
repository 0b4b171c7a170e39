import Testing
import BioCubeNetCDF

@Test func libraryVersionIsReported() {
    #expect(netCDFLibraryVersion.hasPrefix("4."))
}
