/**
 * Flink SQL as a CodeMirror 6 SQL dialect: Flink's (Calcite's) keywords, data types and
 * common built-in functions, backtick-quoted identifiers, `--` and `/* *\/` comments,
 * strings with `''` as the only escape.
 */
import { SQLDialect } from '@codemirror/lang-sql';

const KEYWORDS = `
  select from where group by having order limit offset fetch first next rows row only as
  and or not is in between like similar escape case when then else end distinct all union
  intersect except minus join left right full inner outer cross natural on using lateral
  unnest over partition window qualify range preceding following unbounded current values
  with recursive insert into overwrite update delete merge set reset show describe desc asc
  explain use create drop alter rename replace to if exists temporary table tables view
  views function functions catalog catalogs database databases module modules jar jars
  load unload add remove job jobs stop savepoint drain execute statement begin plan
  compile analyze compute statistics for columns column partitions partitioned watermark
  primary key enforced constraint comment metadata virtual including excluding options
  generated system_time of tumble hop cumulate session descriptor interval year years
  month months day days hour hours minute minutes second seconds match_recognize measures
  pattern define within after match skip past last one per nulls cube rollup grouping
  sets cast try_cast extract local zone materialized freshness refresh_mode refresh
  suspend resume distributed buckets hash model models language returns lookup any some default
`;

const TYPES = `
  boolean tinyint smallint int integer bigint float double precision real decimal dec
  numeric char character varchar string binary varbinary bytes date time timestamp
  timestamp_ltz array map multiset raw variant
`;

const BUILTINS = `
  count sum avg min max stddev_pop stddev_samp var_pop var_samp collect listagg
  first_value last_value lead lag row_number rank dense_rank percent_rank cume_dist ntile
  abs mod power sqrt exp ln log log10 log2 floor ceil ceiling round truncate rand
  rand_integer sign upper lower trim ltrim rtrim concat concat_ws substring substr
  regexp regexp_replace regexp_extract split_index char_length character_length lpad rpad
  initcap position overlay repeat reverse coalesce nullif if ifnull is_alpha greatest
  least date_format to_timestamp to_timestamp_ltz to_date unix_timestamp from_unixtime
  now current_timestamp current_date current_time localtimestamp localtime
  current_row_timestamp proctime current_watermark timestampadd timestampdiff convert_tz
  json_value json_query json_exists json_object json_array json_string json_objectagg
  json_arrayagg md5 sha1 sha2 sha256 to_base64 from_base64 uuid cardinality element
  array_agg
`;

/** lang-sql takes word lists separated by single spaces. */
const words = (list: string): string => list.trim().split(/\s+/).join(' ');

/** The dialect: its `.language` parses and highlights one cell's SQL. */
export const FlinkSQL = SQLDialect.define({
  keywords: words(KEYWORDS),
  types: words(TYPES),
  builtin: words(BUILTINS),
  identifierQuotes: '`',
  backslashEscapes: false,
  doubleQuotedStrings: false,
  hashComments: false,
  slashComments: false
});
