/// 64 bytes of nothing, put between the fields of a ring shared by two threads so that what one thread writes never
/// shares a cache line with what the other writes or reads: with the producer's and the consumer's counters side by
/// side, every push and every pop moved that line from one core to the other (false sharing).
@usableFromInline
struct CacheLinePadding {
    private let words: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

    @usableFromInline
    init() {}
}
