@_spi(Storage) import SoftadastraWAL

/// Decompressed blocks of one snapshot, kept for point reads with where each entry starts, so
/// that a lookup in a kept block is a binary search. Bounded by the bytes it keeps (`capacity`;
/// 0 keeps nothing). When full, the block not read for longest goes first, near enough: a clock
/// hand passes over the blocks read since it last came by, and takes the first one that was not.
package final class BlockCache: Sendable {
  /// A block's entries, decompressed, and the offset where each starts.
  package struct Block: Sendable {
    package let bytes: [UInt8]
    package let starts: [UInt32]

    var size: Int { bytes.count + starts.count * MemoryLayout<UInt32>.size }
  }

  private struct Slot {
    let index: Int
    let block: Block
    var recentlyRead: Bool
  }

  private struct State {
    var capacity: Int
    var bytes = 0
    var slots: [Slot?] = []
    var slotOf: [Int: Int] = [:]
    /// Empty slots, to fill before growing `slots`.
    var holes: [Int] = []
    var hand = 0

    /// Frees the slot under the hand once it holds a block not read since the hand last came,
    /// and moves the hand past it (the block put there next is not the next to go).
    mutating func evictOne() -> Int {
      while true {
        if hand >= slots.count { hand = 0 }
        if let slot = slots[hand] {
          if slot.recentlyRead {
            slots[hand]!.recentlyRead = false
          } else {
            bytes -= slot.block.size
            slotOf[slot.index] = nil
            slots[hand] = nil
            hand += 1
            return hand - 1
          }
        }
        hand += 1
      }
    }

    mutating func shrink(to limit: Int) {
      while bytes > limit { holes.append(evictOne()) }
      if bytes == 0 { (slots, slotOf, holes, hand) = ([], [:], [], 0) }
    }
  }

  private let state: Locked<State>

  package init(capacity: Int) { state = Locked(State(capacity: max(0, capacity))) }

  /// The most bytes of blocks kept; lowering it lets blocks go at once.
  package var capacity: Int {
    get { state.withLock { $0.capacity } }
    set {
      state.withLock { state in
        state.capacity = max(0, newValue)
        state.shrink(to: state.capacity)
      }
    }
  }

  /// The bytes of the blocks kept now.
  package var bytes: Int { state.withLock { $0.bytes } }

  /// Block `index`, when it is kept.
  package func block(_ index: Int) -> Block? {
    state.withLock { state in
      guard let slot = state.slotOf[index] else { return nil }
      state.slots[slot]!.recentlyRead = true
      return state.slots[slot]!.block
    }
  }

  /// Keeps `block` as block `index`, letting others go to make room (a block larger than the
  /// whole capacity is not kept).
  package func keep(_ block: Block, as index: Int) {
    state.withLock { state in
      guard state.slotOf[index] == nil, block.size <= state.capacity else { return }
      state.shrink(to: state.capacity - block.size)
      let slot = Slot(index: index, block: block, recentlyRead: false)
      if let free = state.holes.popLast() {
        state.slots[free] = slot
        state.slotOf[index] = free
      } else {
        state.slots.append(slot)
        state.slotOf[index] = state.slots.count - 1
      }
      state.bytes += block.size
    }
  }
}
