# Bad input: a short error that points at the line, and the session goes on.
SELECT nope
  FROM (VALUES (1)) AS t(x);
SQL error at line 1, column 8: Column 'nope' not found in any table
   1 | SELECT nope
     |        ^
!error

SELECT x FROM
  missing_table;
SQL error at line 2, column 3: Object 'missing_table' not found
   2 |   missing_table;
!error

SELECT 1 FROM (VALUES (1)) AS t(x) GROUP x;
SQL error at line 1, column 42: Syntax error at "x"
Expected: BY
!error

CREATE TEMPORARY TABLE q_bad (a INT) WITH ('connector' = 'datagen', 'number-of-row' = '5');
result
OK
!ok

SELECT * FROM q_bad;
SQL error in the statement at line 1: Unable to create a source for reading table 'default_catalog.default_database.q_bad'.
Unsupported options found for 'datagen'.
Unsupported options: number-of-row (did you mean number-of-rows?)
!error

DROP TEMPORARY TABLE q_bad;
result
OK
!ok

REMOVE JAR '/no/such.jar';
REMOVE JAR: '/no/such.jar' was not added to this session (SHOW JARS lists the jars that were).
!error

SHOW JARS;
jars
!ok

CREATE TABLE q_stats (n INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
result
OK
!ok

ANALYZE TABLE q_stats COMPUTE STATISTICS;
SQL error in the statement at line 1: ANALYZE TABLE is not supported for streaming mode now
!error

DROP TABLE q_stats;
result
OK
!ok

SET 'notebook.nope' = '1';
Unknown option notebook.nope
!error

SELECT 1 AS still_working;
still_working
1
!ok
