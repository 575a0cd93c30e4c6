# Lesson 12, long ride alerts: solutions and one wrong answer per exercise.
# flink-notebook run notebooks/12-learn-flink-long-ride-alerts.ipynb \
#     --solutions notebooks/solutions/12-learn-flink-long-ride-alerts.py [--wrong ID]

# %% exercise:alerts-datastream
%%flink -o answer1
from pyflink.common import Types
from pyflink.datastream import KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import ValueStateDescriptor

TWO_HOURS = 2 * 60 * 60 * 1000  # milliseconds
ALERTED = -1  # the start state of a ride already reported


class LongRides(KeyedProcessFunction):
    def open(self, runtime_context: RuntimeContext):
        self.start = runtime_context.get_state(ValueStateDescriptor("start", Types.LONG()))
        self.end = runtime_context.get_state(ValueStateDescriptor("end", Types.LONG()))

    def process_element(self, ride, ctx):
        time = ctx.timestamp()
        if ride.is_start:
            end = self.end.value()
            if end is None:  # the usual order: wait at most two hours for the end
                self.start.update(time)
                ctx.timer_service().register_event_time_timer(time + TWO_HOURS)
            else:  # the end came first
                if end - time > TWO_HOURS:
                    yield ride.ride_id
                self.end.clear()
        else:
            start = self.start.value()
            if start is None:  # the start has not come yet
                self.end.update(time)
                return
            if start != ALERTED:
                ctx.timer_service().delete_event_time_timer(start + TWO_HOURS)
                if time - start > TWO_HOURS:  # read before the watermark reached the timer
                    yield ride.ride_id
            self.start.clear()

    def on_timer(self, timestamp, ctx):
        yield ctx.get_current_key()
        self.start.update(ALERTED)  # the end may still come: then forget the ride


events = t_env.to_data_stream(t_env.from_path("taxi_rides"))
alerts = (events.key_by(lambda ride: ride.ride_id, key_type=Types.LONG())
                .process(LongRides(), output_type=Types.LONG()))
t_env.from_data_stream(alerts).alias("ride_id")

# %% wrong:alerts-datastream
%%flink -o answer1
# A timer only, and the start taken to come first: a long ride whose end is read before
# its timer fires is lost, and a ride whose end came first is always reported.
from pyflink.common import Types
from pyflink.datastream import KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import ValueStateDescriptor

TWO_HOURS = 2 * 60 * 60 * 1000


class LongRides(KeyedProcessFunction):
    def open(self, runtime_context: RuntimeContext):
        self.start = runtime_context.get_state(ValueStateDescriptor("start", Types.LONG()))

    def process_element(self, ride, ctx):
        if ride.is_start:
            self.start.update(ctx.timestamp())
            ctx.timer_service().register_event_time_timer(ctx.timestamp() + TWO_HOURS)
        elif self.start.value() is not None:
            ctx.timer_service().delete_event_time_timer(self.start.value() + TWO_HOURS)
            self.start.clear()
        yield from ()

    def on_timer(self, timestamp, ctx):
        yield ctx.get_current_key()
        self.start.clear()


events = t_env.to_data_stream(t_env.from_path("taxi_rides"))
alerts = (events.key_by(lambda ride: ride.ride_id, key_type=Types.LONG())
                .process(LongRides(), output_type=Types.LONG()))
t_env.from_data_stream(alerts).alias("ride_id")

# %% exercise:alerts-sql
%%flink_sql -o answer2
SELECT ride_id, start_time, end_time
FROM taxi_rides
MATCH_RECOGNIZE (
  PARTITION BY ride_id
  ORDER BY event_time
  MEASURES S.event_time AS start_time, E.event_time AS end_time
  ONE ROW PER MATCH
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (S E)
  DEFINE S AS S.is_start,
         E AS NOT E.is_start AND E.event_time > S.event_time + INTERVAL '2' HOUR
)

# %% wrong:alerts-sql
%%flink_sql -o answer2
-- Whole hours: TIMESTAMPDIFF rounds down, so a ride of 2 h 40 min counts as 2 hours.
SELECT ride_id, start_time, end_time
FROM taxi_rides
MATCH_RECOGNIZE (
  PARTITION BY ride_id
  ORDER BY event_time
  MEASURES S.event_time AS start_time, E.event_time AS end_time
  ONE ROW PER MATCH
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (S E)
  DEFINE S AS S.is_start,
         E AS NOT E.is_start AND TIMESTAMPDIFF(HOUR, S.event_time, E.event_time) > 2
)
