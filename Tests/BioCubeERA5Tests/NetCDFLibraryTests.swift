import BioCubeNetCDF
import Testing

@Test func libraryVersionIsReported() {
    #expect(netCDFLibraryVersion.hasPrefix("4."))
}
