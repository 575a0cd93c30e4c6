# Statements that are jobs, whatever their first word, and the SQL client's job statements.
CREATE TEMPORARY TABLE q_src (k INT) WITH (
  'connector' = 'datagen', 'number-of-rows' = '5');
result
OK
!ok

CREATE TEMPORARY TABLE q_sink (k INT) WITH ('connector' = 'blackhole');
result
OK
!ok

INSERT INTO q_sink SELECT k FROM q_src;
job FINISHED
!ok

INSERT OVERWRITE q_sink SELECT k FROM q_src;
SQL error in the statement at line 1: INSERT OVERWRITE requires that the underlying DynamicTableSink of table 'default_catalog.default_database.q_sink' implements the SupportsOverwrite interface.
   1 | INSERT OVERWRITE q_sink SELECT k FROM q_src;
!error

CREATE TABLE q_copy WITH ('connector' = 'blackhole') AS SELECT k FROM q_src;
job FINISHED
!ok

CREATE OR REPLACE TABLE q_copy WITH ('connector' = 'blackhole') AS SELECT k + 1 AS k FROM q_src;
job FINISHED
!ok

DROP TABLE q_copy;
result
OK
!ok

EXECUTE STATEMENT SET BEGIN
INSERT INTO q_sink SELECT k FROM q_src;
INSERT INTO q_sink SELECT k + 1 FROM q_src;
END;
job FINISHED
!ok

BEGIN STATEMENT SET;
(nothing)
!ok

INSERT INTO q_sink SELECT k FROM q_src;
(nothing)
!ok

END;
job FINISHED
!ok

BEGIN STATEMENT SET;
(nothing)
!ok

END;
(nothing)
!ok

END;
No statement set to submit: END; closes a set opened with BEGIN STATEMENT SET;
!error

DESCRIBE JOB '0123456789abcdef0123456789abcdef';
No job 0123456789abcdef0123456789abcdef on the cluster at http://127.0.0.1:
!error

STOP JOB 'not-a-job';
'not-a-job' is not a Flink job id (32 hexadecimal characters, as SHOW JOBS lists them).
!error

SHOW JOBS;
job id | job name | status | start time
!contains
