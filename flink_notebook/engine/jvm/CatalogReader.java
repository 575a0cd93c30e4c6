// Compiled at run time by Janino (see ResultBuffer.java): no lambdas, raw types, casts.
//
// What completion and the catalog browser read from the session's catalog, each as one JSON
// string per call: one py4j round trip instead of one per name (a catalog of 1,000 tables is
// one call). Nothing here starts a job. A catalog or database that fails to list is reported
// in its own entry ("error"); the others are still read.
//
// Flink members used here that are not public API are in engine/ledger.py, checked
// against the installed Flink by tests/engine/test_ledger.py (docs/versions.md).
package flink_notebook;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeSet;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.catalog.Catalog;
import org.apache.flink.table.catalog.CatalogBaseTable;
import org.apache.flink.table.catalog.CatalogManager;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ContextResolvedTable;
import org.apache.flink.table.catalog.ObjectIdentifier;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.catalog.WatermarkSpec;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.Factory;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.TimestampKind;
import org.apache.flink.table.types.logical.TimestampType;

public class CatalogReader {
    private final ObjectMapper json = new ObjectMapper();

    private static String message(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String text = cause.getMessage();
        return cause.getClass().getSimpleName() + (text == null ? "" : ": " + text);
    }

    private static CatalogManager manager(TableEnvironment tEnv) {
        return ((TableEnvironmentInternal) tEnv).getCatalogManager();
    }

    /** {"current": [catalog, database], "catalogs": [{"name", "databases": [{"name",
     *  "tables": [...], "views": [...]} or {"name", "error"}]} or {"name", "error"}]}. */
    public String names(TableEnvironment tEnv) throws Exception {
        CatalogManager catalogs = manager(tEnv);
        Map result = new LinkedHashMap();
        List current = new ArrayList();
        current.add(catalogs.getCurrentCatalog());
        current.add(catalogs.getCurrentDatabase());
        result.put("current", current);
        List entries = new ArrayList();
        Iterator names = new TreeSet(catalogs.listCatalogs()).iterator();
        while (names.hasNext()) {
            String name = (String) names.next();
            Map entry = new LinkedHashMap();
            entry.put("name", name);
            try {
                Catalog catalog = catalogs.getCatalogOrError(name);
                List databases = new ArrayList();
                Iterator found = new TreeSet(catalog.listDatabases()).iterator();
                while (found.hasNext()) {
                    databases.add(database(catalogs, name, (String) found.next()));
                }
                entry.put("databases", databases);
            } catch (Throwable error) {
                entry.put("error", message(error));
            }
            entries.add(entry);
        }
        result.put("catalogs", entries);
        return json.writeValueAsString(result);
    }

    private Map database(CatalogManager catalogs, String catalog, String name) {
        Map entry = new LinkedHashMap();
        entry.put("name", name);
        try {
            // The catalog manager's lists include the temporary tables and views there.
            TreeSet views = new TreeSet(catalogs.listViews(catalog, name));
            TreeSet tables = new TreeSet(catalogs.listTables(catalog, name));
            tables.removeAll(views);
            entry.put("tables", new ArrayList(tables));
            entry.put("views", new ArrayList(views));
        } catch (Throwable error) {
            entry.put("error", message(error));
        }
        return entry;
    }

    /** A table's or view's columns, keys, watermarks and options, or {"error"}. */
    public String table(TableEnvironment tEnv, String catalog, String database, String name)
            throws Exception {
        Map result = new LinkedHashMap();
        try {
            Optional found = manager(tEnv).getTable(ObjectIdentifier.of(catalog, database, name));
            if (!found.isPresent()) {
                result.put("error", "no table " + catalog + "." + database + "." + name);
                return json.writeValueAsString(result);
            }
            ContextResolvedTable table = (ContextResolvedTable) found.get();
            CatalogBaseTable base = (CatalogBaseTable) table.getResolvedTable();
            result.put("kind", base.getTableKind().toString());
            result.put("temporary", Boolean.valueOf(table.isTemporary()));
            result.put("comment", base.getComment());
            ResolvedSchema schema = table.getResolvedSchema();
            List columns = new ArrayList();
            Iterator each = schema.getColumns().iterator();
            while (each.hasNext()) {
                columns.add(column((Column) each.next()));
            }
            result.put("columns", columns);
            Optional key = schema.getPrimaryKey();
            result.put("primary_key", key.isPresent()
                ? ((UniqueConstraint) key.get()).getColumns() : new ArrayList());
            List watermarks = new ArrayList();
            Iterator specs = schema.getWatermarkSpecs().iterator();
            while (specs.hasNext()) {
                WatermarkSpec spec = (WatermarkSpec) specs.next();
                Map watermark = new LinkedHashMap();
                watermark.put("column", spec.getRowtimeAttribute());
                watermark.put("expression", spec.getWatermarkExpression().asSummaryString());
                watermarks.add(watermark);
            }
            result.put("watermarks", watermarks);
            Map options = new LinkedHashMap();
            try {
                options.putAll(base.getOptions());
            } catch (Throwable viewsHaveNone) {
                // a view's getOptions() may throw; it has none
            }
            result.put("options", options);
        } catch (Throwable error) {
            result.put("error", message(error));
        }
        return json.writeValueAsString(result);
    }

    private static Map column(Column column) {
        Map entry = new LinkedHashMap();
        entry.put("name", column.getName());
        entry.put("type", column.getDataType().toString());
        String kind = column.isPhysical() ? "physical"
            : (column instanceof Column.ComputedColumn ? "computed" : "metadata");
        entry.put("kind", kind);
        Optional extras = column.explainExtras();
        entry.put("extras", extras.isPresent() ? extras.get() : null);
        LogicalType type = column.getDataType().getLogicalType();
        TimestampKind time = null;
        if (type instanceof TimestampType) {
            time = ((TimestampType) type).getKind();
        } else if (type instanceof LocalZonedTimestampType) {
            time = ((LocalZonedTimestampType) type).getKind();
        }
        entry.put("time", time == null || time == TimestampKind.REGULAR ? null
            : time.toString().toLowerCase());
        Optional comment = column.getComment();
        entry.put("comment", comment.isPresent() ? comment.get() : null);
        return entry;
    }

    /** Every name SHOW FUNCTIONS lists, and which of them are the user's. */
    public String functions(TableEnvironment tEnv) throws Exception {
        Map result = new LinkedHashMap();
        result.put("all", tEnv.listFunctions());
        result.put("user", tEnv.listUserDefinedFunctions());
        return json.writeValueAsString(result);
    }

    /** The table connectors the session's class loader finds (ADD JAR included), each with
     *  its required and optional options: key, default, description. */
    public String connectors(TableEnvironment tEnv) throws Exception {
        Map result = new LinkedHashMap();
        ServiceLoader loader = ServiceLoader.load(Factory.class, classLoader(tEnv));
        Iterator factories = loader.iterator();
        while (true) {
            Factory factory;
            try {
                if (!factories.hasNext()) {
                    break;
                }
                factory = (Factory) factories.next();
            } catch (Throwable brokenJar) {
                continue;  // a factory that fails to load is not offered
            }
            boolean source = factory instanceof DynamicTableSourceFactory;
            boolean sink = factory instanceof DynamicTableSinkFactory;
            if (!source && !sink) {
                continue;
            }
            Map entry = new LinkedHashMap();
            entry.put("source", Boolean.valueOf(source));
            entry.put("sink", Boolean.valueOf(sink));
            try {
                entry.put("required", options(factory.requiredOptions()));
                entry.put("optional", options(factory.optionalOptions()));
            } catch (Throwable error) {
                entry.put("error", message(error));
            }
            result.put(factory.factoryIdentifier(), entry);
        }
        return json.writeValueAsString(result);
    }

    private static List options(java.util.Set options) {
        List found = new ArrayList();
        HtmlFormatter formatter = new HtmlFormatter();
        Iterator each = options.iterator();
        while (each.hasNext()) {
            ConfigOption option = (ConfigOption) each.next();
            Map entry = new LinkedHashMap();
            entry.put("key", option.key());
            entry.put("default", option.hasDefaultValue() && option.defaultValue() != null
                ? String.valueOf(option.defaultValue()) : null);
            String description = "";
            try {
                description = formatter.format(option.description());
            } catch (Throwable none) {
                // no description
            }
            entry.put("description", description);
            found.add(entry);
        }
        return found;
    }

    private static ClassLoader classLoader(TableEnvironment tEnv) {
        Class type = tEnv.getClass();
        while (type != null) {
            try {
                Field field = type.getDeclaredField("resourceManager");
                field.setAccessible(true);
                Object manager = field.get(tEnv);
                return (ClassLoader) manager.getClass().getMethod("getUserClassLoader",
                    new Class[0]).invoke(manager, new Object[0]);
            } catch (NoSuchFieldException notHere) {
                type = type.getSuperclass();
            } catch (Throwable other) {
                break;
            }
        }
        return Thread.currentThread().getContextClassLoader();
    }
}
