# Lesson 06, event time and watermarks: the solutions, and one typical mistake per exercise.
# Put into the lesson's exercise cells by
#   flink-notebook run notebooks/06-lesson-time-and-watermarks.ipynb \
#       --solutions notebooks/solutions/06-lesson-time-and-watermarks.py [--wrong ID]

# %% exercise:late
%%flink_sql -o answer1 --max-rows 2000
SELECT reading_id, sensor_id, event_time
FROM sensor_readings
WHERE event_time <= CURRENT_WATERMARK(event_time)

# %% wrong:late
%%flink_sql -o answer1 --max-rows 2000
-- The first reading, which has no watermark yet, taken as late.
SELECT reading_id, sensor_id, event_time
FROM sensor_readings
WHERE CURRENT_WATERMARK(event_time) IS NULL OR event_time <= CURRENT_WATERMARK(event_time)

# %% exercise:per-minute
%%flink_sql -o answer2
SELECT window_start, sensor_id, COUNT(*) AS readings
FROM TABLE(TUMBLE(TABLE sensor_readings, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, sensor_id

# %% wrong:per-minute
%%flink_sql -o answer2
-- A regular GROUP BY on the minute: it drops nothing, late readings included.
SELECT FLOOR(event_time TO MINUTE) AS window_start, sensor_id, COUNT(*) AS readings
FROM sensor_readings
GROUP BY FLOOR(event_time TO MINUTE), sensor_id

# %% exercise:dropped
%%flink_sql -o answer3 --max-rows 2000
SELECT reading_id, sensor_id, event_time
FROM sensor_readings
WHERE FLOOR(event_time TO MINUTE) + INTERVAL '1' MINUTE <= CURRENT_WATERMARK(event_time)

# %% wrong:dropped
%%flink_sql -o answer3 --max-rows 2000
-- Compared with the window's start, not its end: readings still counted are taken too.
SELECT reading_id, sensor_id, event_time
FROM sensor_readings
WHERE FLOOR(event_time TO MINUTE) <= CURRENT_WATERMARK(event_time)
