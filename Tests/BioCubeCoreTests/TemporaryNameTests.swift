import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeCore

/// Temporary names carry this host and process, so a sweep removes only files of this
/// host's ended processes — never another host's on a shared filesystem.
@Suite struct TemporaryNameTests {
    /// The id of a process that has ended.
    static func endedProcessID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    @Test func aFreshNameNamesThisHostAndProcess() throws {
        let name = TemporaryName.fresh(for: "0.0.0")
        let owner = try #require(TemporaryName.owner(of: name))
        #expect(owner.host == TemporaryName.hostTag && owner.pid == getpid())
        #expect(!TemporaryName.isStale(name, in: "/nonexistent"))  // this process is alive
    }

    @Test func onlyThisHostsEndedProcessesAreStale() throws {
        let ended = try Self.endedProcessID()
        let other = TemporaryName.hostTag == "0badc0de" ? "0badc0df" : "0badc0de"
        #expect(TemporaryName.isStale(".0.0.0.\(TemporaryName.hostTag).\(ended).42.tmp", in: "/nonexistent"))
        #expect(!TemporaryName.isStale(".0.0.0.\(other).\(ended).42.tmp", in: "/nonexistent"))  // another host's
        // Names earlier versions wrote (no host) and files that merely look alike are left alone.
        #expect(!TemporaryName.isStale(".0.0.0.\(ended).42.tmp", in: "/nonexistent"))
        #expect(
            !TemporaryName.isStale("data.\(ended).tmp", in: "/nonexistent")
                && !TemporaryName.isStale(".x.tmp", in: "/nonexistent")
        )
    }

    /// Two containers on one host name can both have a process with one id: a file whose
    /// writer holds its lock is not stale, whatever the id in its name says.
    @Test func aFileItsWriterStillLocksIsNeverStale() throws {
        let dir = TemporaryDirectory()
        let ended = try Self.endedProcessID()
        let name = ".chunk.\(TemporaryName.hostTag).\(ended).7.tmp"
        try FileIO.writeAtomically(dir.file("seed"), Array("x".utf8))
        try FileManager.default.copyItem(atPath: dir.file("seed"), toPath: dir.file(name))
        let lock = TemporaryName.holdLock(on: dir.file(name))
        #expect(lock >= 0)
        #expect(!TemporaryName.isStale(name, in: dir.path), "its writer (in another namespace) still holds it")
        TemporaryName.releaseLock(lock)
        #expect(TemporaryName.isStale(name, in: dir.path))
    }

    @Test func writesLeaveNoTemporaryFileAndUseTheTaggedName() throws {
        let dir = TemporaryDirectory()
        try FileIO.writeAtomically(dir.file("a/b.json"), Array("{}".utf8))
        #expect(dir.allFiles() == ["a/b.json"])
    }
}
