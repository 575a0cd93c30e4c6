# Lesson 10, ride cleansing and rides with their fares: solutions and one wrong answer per
# exercise. flink-notebook run notebooks/10-learn-flink-rides-and-fares.ipynb \
#     --solutions notebooks/solutions/10-learn-flink-rides-and-fares.py [--wrong ID]

# %% exercise:cleanse-sql
%%flink_sql -o answer1 --max-rows 2000
SELECT ride_id, is_start, event_time
FROM taxi_rides
WHERE start_lon BETWEEN -74.03 AND -73.90 AND start_lat BETWEEN 40.70 AND 40.88
  AND end_lon BETWEEN -74.03 AND -73.90 AND end_lat BETWEEN 40.70 AND 40.88

# %% wrong:cleanse-sql
%%flink_sql -o answer1 --max-rows 2000
-- Only the start is tested: rides that leave the box are kept too.
SELECT ride_id, is_start, event_time
FROM taxi_rides
WHERE start_lon BETWEEN -74.03 AND -73.90 AND start_lat BETWEEN 40.70 AND 40.88

# %% exercise:cleanse-udf
%%flink -o answer2 --max-rows 2000
from pyflink.table import DataTypes
from pyflink.table.expressions import col
from pyflink.table.udf import udf


@udf(result_type=DataTypes.BOOLEAN())
def in_manhattan(lon: float, lat: float) -> bool:
    return -74.03 <= lon <= -73.90 and 40.70 <= lat <= 40.88


rides_table = t_env.from_path("taxi_rides")
rides_table.filter(in_manhattan(col("start_lon"), col("start_lat"))
                   & in_manhattan(col("end_lon"), col("end_lat"))) \
           .select(col("ride_id"), col("is_start"), col("event_time"))

# %% wrong:cleanse-udf
%%flink -o answer2 --max-rows 2000
# Start or end in the box (| instead of &).
from pyflink.table import DataTypes
from pyflink.table.expressions import col
from pyflink.table.udf import udf


@udf(result_type=DataTypes.BOOLEAN())
def in_manhattan(lon: float, lat: float) -> bool:
    return -74.03 <= lon <= -73.90 and 40.70 <= lat <= 40.88


rides_table = t_env.from_path("taxi_rides")
rides_table.filter(in_manhattan(col("start_lon"), col("start_lat"))
                   | in_manhattan(col("end_lon"), col("end_lat"))) \
           .select(col("ride_id"), col("is_start"), col("event_time"))

# %% exercise:join-sql
%%flink_sql -o answer3 --max-rows 2000
SELECT r.ride_id, r.driver_id, CAST(r.event_time AS TIMESTAMP(3)) AS start_time,
       f.total_fare, f.tip
FROM taxi_rides AS r
JOIN taxi_fares AS f ON r.ride_id = f.ride_id
WHERE r.is_start

# %% wrong:join-sql
%%flink_sql -o answer3 --max-rows 2000
-- The tip where the total fare should be.
SELECT r.ride_id, r.driver_id, CAST(r.event_time AS TIMESTAMP(3)) AS start_time,
       f.tip AS total_fare, f.tip
FROM taxi_rides AS r
JOIN taxi_fares AS f ON r.ride_id = f.ride_id
WHERE r.is_start

# %% exercise:join-table
%%flink -o answer4 --max-rows 2000
from pyflink.table import DataTypes
from pyflink.table.expressions import col

rides_table = t_env.from_path("taxi_rides")
fares_table = t_env.from_path("taxi_fares")
starts = rides_table.filter(col("is_start")).select(
    col("ride_id"), col("driver_id"),
    col("event_time").cast(DataTypes.TIMESTAMP(3)).alias("start_time"))
fare_rows = fares_table.select(col("ride_id").alias("fare_ride_id"), col("total_fare"), col("tip"))
starts.join(fare_rows, col("ride_id") == col("fare_ride_id")) \
      .select(col("ride_id"), col("driver_id"), col("start_time"), col("total_fare"), col("tip"))

# %% wrong:join-table
%%flink -o answer4 --max-rows 2000
# Start and end events both joined: every ride twice.
from pyflink.table import DataTypes
from pyflink.table.expressions import col

rides_table = t_env.from_path("taxi_rides")
fares_table = t_env.from_path("taxi_fares")
events = rides_table.select(
    col("ride_id"), col("driver_id"),
    col("event_time").cast(DataTypes.TIMESTAMP(3)).alias("start_time"))
fare_rows = fares_table.select(col("ride_id").alias("fare_ride_id"), col("total_fare"), col("tip"))
events.join(fare_rows, col("ride_id") == col("fare_ride_id")) \
      .select(col("ride_id"), col("driver_id"), col("start_time"), col("total_fare"), col("tip"))
