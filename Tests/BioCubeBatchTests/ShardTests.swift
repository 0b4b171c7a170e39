import BioCube
import BioCubeSample
import BioCubeViewer
import Testing

@testable import BioCubeBatch
@testable import BioCubeBuild

/// Shards deal out whole blocks of steps in turn: every step has exactly one owner, and the
/// steps of one block (which share source chunks) never have two.
@Suite struct ShardTests {
    @Test(arguments: [(1, 1), (1, 3), (9, 2), (36, 4), (5, 7)])
    func everyStepHasOneOwnerAndBlocksStayWhole(block: Int, shards: Int) throws {
        let steps = 0..<100
        var owners = [Int](repeating: 0, count: steps.count)
        for k in 1...shards {
            let shard = try Shard(index: k, count: shards)
            for i in steps where shard.owns(i, block: block) {
                owners[i] += 1
                #expect(
                    shard.owns(i / block * block, block: block),
                    "step \(i) and its block's first step share an owner"
                )
            }
        }
        #expect(owners.allSatisfy { $0 == 1 })
    }

    @Test func blocksOfOneStepAreRoundRobin() throws {
        let shard = try Shard(parsing: "2/3")
        #expect((0..<9).filter { shard.owns($0) } == [1, 4, 7])
        #expect((0..<40).filter { shard.owns($0, block: 9) } == Array(9..<18) + Array(36..<40))
    }

    @Test(arguments: ["0/2", "3/2", "1", "a/b", "1/0"])
    func malformedShardsAreRefused(text: String) {
        #expect(throws: (any Error).self) { try Shard(parsing: text) }
    }
}
