# DDL, SET/RESET, SHOW, DESCRIBE and bounded queries, as the SQL client runs them.
# One task each, so rows come in order.
SET 'parallelism.default' = '1';
key | value
parallelism.default | 1
!ok

CREATE TEMPORARY TABLE q_nums (k INT, v STRING) WITH (
  'connector' = 'datagen', 'number-of-rows' = '3',
  'fields.k.kind' = 'sequence', 'fields.k.start' = '1', 'fields.k.end' = '3',
  'fields.v.length' = '2');
result
OK
!ok

SHOW TABLES LIKE 'q_%';
table name
q_nums
!ok

DESCRIBE q_nums;
name | type | null | key | extras | watermark
k | INT | TRUE | <NULL> | <NULL> | <NULL>
v | STRING | TRUE | <NULL> | <NULL> | <NULL>
!ok

SELECT k, k * 2 AS twice FROM q_nums;
k | twice
1 | 2
2 | 4
3 | 6
!ok

SELECT COUNT(*) AS n, SUM(k) AS total FROM q_nums;
n | total
3 | 6
!ok

SELECT CAST(NULL AS INT) AS nothing, TIMESTAMP '2021-04-13 20:12:11.123' AS ts,
  CAST(1.5 AS DECIMAL(5, 2)) AS d, ROW(1, 'a') AS r, ARRAY[1, 2] AS a, MAP['k', 1] AS m;
nothing | ts | d | r | a | m
<NULL> | 2021-04-13 20:12:11.123 | 1.50 | (1, a) | [1, 2] | {k=1}
!ok

SET 'pipeline.name' = 'from-a-script';
key | value
pipeline.name | from-a-script
!ok

SET 'q.password' = 'hunter2';
key | value
q.password | ********
!ok

RESET 'pipeline.name';
(nothing)
!ok

RESET 'q.password';
(nothing)
!ok

SHOW CREATE TABLE q_nums;
'connector' = 'datagen'
'number-of-rows' = '3'
!contains

EXPLAIN SELECT k FROM q_nums WHERE k > 1;
== Abstract Syntax Tree ==
== Optimized Execution Plan ==
!contains

CREATE TEMPORARY VIEW q_big AS SELECT k FROM q_nums WHERE k > 1;
result
OK
!ok

SELECT * FROM q_big;
k
2
3
!ok

DROP TEMPORARY VIEW q_big;
result
OK
!ok

DROP TEMPORARY TABLE q_nums;
result
OK
!ok

RESET 'parallelism.default';
(nothing)
!ok
