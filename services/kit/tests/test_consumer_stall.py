"""A consumer that stops fetching while events wait is noticed and replaced."""

from kafka.structs import TopicPartition

from services.kit.consumer import ConsumerRunner

TP = TopicPartition("liaison.partners.v1", 0)
OTHER = TopicPartition("liaison.partners.v1", 1)


class StuckConsumer:
    """What kafka-python answers about assignment, ends and positions; nothing is fetched."""

    def __init__(self, positions: dict, ends: dict) -> None:
        self.positions, self.ends, self.closed = positions, ends, False

    def assignment(self):
        return set(self.positions)

    def end_offsets(self, partitions):
        return {tp: self.ends[tp] for tp in partitions}

    def position(self, tp):
        return self.positions[tp]

    def close(self, autocommit=False):
        self.closed = True


def runner(consumer) -> ConsumerRunner:
    made = iter([consumer])
    runner = ConsumerRunner(
        name="test",
        session_factory=None,
        registry={},
        consumer_factory=lambda: next(made),
        producer_factory=lambda: None,
        stall_check_seconds=0,
    )
    runner._get_consumer()
    return runner


def test_events_waiting_at_an_unmoved_position_on_two_checks_is_a_stall():
    consumer = StuckConsumer({TP: 5, OTHER: 9}, {TP: 8, OTHER: 9})
    watched = runner(consumer)
    assert watched.stalled() is False  # once could be events that arrived a moment ago
    assert watched.stalled() is True


def test_a_position_that_moves_or_a_partition_with_nothing_waiting_is_no_stall():
    consumer = StuckConsumer({TP: 5, OTHER: 9}, {TP: 8, OTHER: 9})
    watched = runner(consumer)
    watched.stalled()
    consumer.positions[TP] = 6
    assert watched.stalled() is False
    consumer.positions[TP] = 8
    assert watched.stalled() is False
    assert watched.stalled() is False


def test_a_paused_partition_waits_on_purpose():
    watched = runner(StuckConsumer({TP: 5}, {TP: 8}))
    watched._paused[TP] = float("inf")
    assert (watched.stalled(), watched.stalled()) == (False, False)


def test_the_loop_replaces_a_stalled_consumer_and_leaves_a_working_one():
    stuck = StuckConsumer({TP: 5}, {TP: 8})
    watched = runner(stuck)
    watched._watch()
    assert not stuck.closed
    watched._watch()
    assert stuck.closed and watched._consumer is None  # the next poll makes a new one

    fine = StuckConsumer({TP: 8}, {TP: 8})
    watched = runner(fine)
    for _ in range(3):
        watched._watch()
    assert not fine.closed


def test_one_stuck_partition_is_seen_while_its_neighbour_flows():
    consumer = StuckConsumer({TP: 5, OTHER: 100}, {TP: 8, OTHER: 10_000})
    watched = runner(consumer)
    rounds = 0

    def busy_round():  # every round hands over events, all from the other partition
        nonlocal rounds
        rounds += 1
        consumer.positions[OTHER] += 100
        if rounds == 3:
            watched._stop.set()
        return 100

    watched.poll_once = busy_round
    watched._loop()
    assert consumer.closed
