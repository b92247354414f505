import Testing

@testable import CfgProcess

/// How a child's end is decoded from `waitpid`'s status word, and reported as a shell would.
struct ChildExitTests {
    @Test(arguments: [
        (Int32(0), ChildExit.exited(0)),
        (3 << 8, .exited(3)),
        (255 << 8, .exited(255)),
        (9, .signalled(9)),
        (15, .signalled(15)),
        // A core dump sets bit 7; the signal is the low seven bits.
        (0x80 | 11, .signalled(11)),
    ])
    func waitStatusIsDecoded(_ status: Int32, _ expected: ChildExit) {
        #expect(ChildExit(waitStatus: status) == expected)
    }

    @Test(arguments: [
        (ChildExit.exited(0), Int32(0)),
        (.exited(3), 3),
        (.exited(255), 255),
        (.signalled(9), 137),
        (.signalled(15), 143),
        (.signalled(11), 139),
    ])
    func shellStatusIsTheStatusOr128PlusTheSignal(_ exit: ChildExit, _ status: Int32) {
        #expect(exit.shellStatus == status)
    }
}
