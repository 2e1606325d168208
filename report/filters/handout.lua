--[[
handout.lua: turn an executed Jupyter notebook, as pandoc's ipynb reader sees it
(run pandoc with --ipynb-output=all), into the handout's body.

Used by helpers.render (the built-in render path) for both HTML and Typst output.

What it does, cell by cell:

* code cells: the input (code) is dropped unless the metadata field `handout-echo`
  is true; of every output only one representation is kept, the first available of
  image > markdown (parsed) > HTML (parsed into real pandoc tables) > other > plain
  text; stream and error outputs are dropped (helpers.render removes them from the
  notebook beforehand as well);
* Quarto cell options, which helpers.render copies from the cell's `#|` lines into
  the cell metadata field `handout` (JSON): `label` and `fig-cap` make a figure with
  a caption and an identifier, `fig-alt` sets the image's alternative text,
  `tbl-cap` captions the cell's first table;
* markdown and raw cells: kept, without the cell wrapper;
* numeric table columns are right-aligned, the others left-aligned;
* duplicate identifiers (headings read from separate Markdown outputs) are made unique;
* HTML only: tables are wrapped in a Div of class `table-scroll` (see
  report/templates/handout.css); figures and tables with a `fig-`/`tbl-` identifier are numbered in
  document order ("Figur 1: ..."), and citations of those identifiers (`@fig-x`)
  become links ("Figur 1"). Typst numbers and resolves these itself.
* HTML only: a raw HTML block whose first element carries `data-replaces="<id>"` (the
  interactive view of helpers.interactive) takes the place of the image of the figure
  with that identifier, under its caption; when no such figure exists it stays where it
  is. Other formats drop raw HTML, so the PDF keeps the static figure.
]]

local stringify = pandoc.utils.stringify

local echo = false
local lang = "da"

local WORDS = {
  da = { fig = "Figur", tbl = "Tabel" },
  en = { fig = "Figure", tbl = "Table" },
}

local function is_html()
  return FORMAT:match("html") ~= nil
end

local function is_typst()
  return FORMAT:match("typst") ~= nil
end

-- Options -------------------------------------------------------------------

local function cell_options(div)
  local raw = div.attributes["handout"]
  if raw == nil or raw == "" then
    return {}
  end
  local ok, decoded = pcall(pandoc.json.decode, raw, false)
  if ok and type(decoded) == "table" then
    return decoded
  end
  return {}
end

local function markdown_inlines(text)
  local doc = pandoc.read(tostring(text), "markdown")
  local inlines = pandoc.Inlines({})
  for i, block in ipairs(doc.blocks) do
    if i > 1 then
      inlines:insert(pandoc.Space())
    end
    if block.content and block.t ~= "BulletList" then
      inlines:extend(block.content)
    else
      inlines:insert(pandoc.Str(stringify(block)))
    end
  end
  return inlines
end

-- Choosing one representation of an output -----------------------------------

local function strip_raw(blocks)
  -- HTML read back from a DataFrame carries <style> and <script>: never wanted.
  return blocks:walk({
    RawInline = function() return {} end,
    RawBlock = function() return {} end,
  })
end

local function representation(block)
  -- Rank of one representation (lower is better) and the blocks it stands for.
  if (block.t == "Para" or block.t == "Plain") and #block.content == 1
      and block.content[1].t == "Image" then
    return 1, pandoc.Blocks({ block })
  elseif block.t == "RawBlock" and block.format == "markdown" then
    return 2, pandoc.read(block.text, "markdown").blocks
  elseif block.t == "RawBlock" and block.format == "html" then
    return 3, strip_raw(pandoc.read(block.text, "html").blocks)
  elseif block.t == "RawBlock" then
    if FORMAT:find(block.format, 1, true) then
      return 4, pandoc.Blocks({ block })
    end
    return nil
  elseif block.t == "CodeBlock" then
    return 5, pandoc.Blocks({ block })
  end
  return 4, pandoc.Blocks({ block })
end

local function best_representation(output)
  local best_rank, best_blocks = nil, nil
  for _, block in ipairs(output.content) do
    local rank, blocks = representation(block)
    if rank ~= nil and (best_rank == nil or rank < best_rank) then
      best_rank, best_blocks = rank, blocks
    end
  end
  return best_blocks or pandoc.Blocks({})
end

local function unwrap_plain_divs(blocks)
  -- A DataFrame's HTML arrives as <div><style/><table/></div>: keep the table only.
  local out = pandoc.Blocks({})
  for _, block in ipairs(blocks) do
    if block.t == "Div" and block.identifier == "" and #block.classes == 0 then
      out:extend(unwrap_plain_divs(block.content))
    else
      out:insert(block)
    end
  end
  return out
end

-- Tables ---------------------------------------------------------------------

local function is_number(text)
  local t = text:gsub("\u{2212}", "-"):gsub("\u{00A0}", ""):gsub("%s", "")
  return t:match("^[-+]?%d[%d.,]*%%?$") ~= nil
end

local function align_numbers(tbl)
  local ncol = #tbl.colspecs
  for col = 1, ncol do
    local seen, numeric = 0, true
    for _, body in ipairs(tbl.bodies) do
      for _, row in ipairs(body.body) do
        local cell = row.cells[col]
        if cell ~= nil and cell.col_span == 1 then
          local text = stringify(cell.contents)
          if text ~= "" then
            seen = seen + 1
            numeric = numeric and is_number(text)
          end
        end
      end
    end
    local align = tbl.colspecs[col][1]
    if seen > 0 and numeric then
      align = pandoc.AlignRight
    elseif align == pandoc.AlignDefault or align == "AlignDefault" then
      -- explicit, so that a table centred on the page keeps its text left-aligned
      align = pandoc.AlignLeft
    end
    tbl.colspecs[col] = { align, tbl.colspecs[col][2] }
  end
  return tbl
end

-- Cells ----------------------------------------------------------------------

local function first_image(blocks)
  for i, block in ipairs(blocks) do
    if (block.t == "Para" or block.t == "Plain") and #block.content == 1
        and block.content[1].t == "Image" then
      return i, block.content[1]
    end
  end
  return nil
end

local function first_table(blocks)
  for i, block in ipairs(blocks) do
    if block.t == "Table" then
      return i, block
    end
  end
  return nil
end

local function code_cell(div)
  local opts = cell_options(div)
  local show_code = echo
  if opts["echo"] ~= nil then
    show_code = opts["echo"] == true
  end
  local blocks = pandoc.Blocks({})
  for _, block in ipairs(div.content) do
    if block.t == "CodeBlock" then
      if show_code then
        blocks:insert(block)
      end
    elseif block.t == "Div" and block.classes:includes("output") then
      if not (block.classes:includes("stream") or block.classes:includes("error")) then
        blocks:extend(unwrap_plain_divs(best_representation(block)))
      end
    else
      blocks:insert(block)
    end
  end

  local label = opts["label"]
  if label ~= nil then
    label = tostring(label)
  end
  local used_label = false

  local fig_cap = opts["fig-cap"]
  local i, img = first_image(blocks)
  if img ~= nil then
    if opts["fig-alt"] ~= nil then
      img.caption = pandoc.Inlines({ pandoc.Str(tostring(opts["fig-alt"])) })
    elseif fig_cap ~= nil then
      img.caption = pandoc.Inlines({ pandoc.Str(tostring(fig_cap)) })
    end
    if fig_cap ~= nil then
      local id = ""
      if label ~= nil and not label:match("^tbl%-") then
        id = label
        used_label = true
      end
      blocks[i] = pandoc.Figure(
        { pandoc.Plain({ img }) },
        { pandoc.Plain(markdown_inlines(fig_cap)) },
        pandoc.Attr(id, { "handout-figure" })
      )
    end
  end

  local tbl_cap = opts["tbl-cap"]
  local j, tbl = first_table(blocks)
  if tbl ~= nil and (tbl_cap ~= nil or (label ~= nil and label:match("^tbl%-"))) then
    if tbl_cap ~= nil then
      tbl.caption = pandoc.Caption({ pandoc.Plain(markdown_inlines(tbl_cap)) })
    end
    if label ~= nil and not used_label then
      tbl.identifier = label
      used_label = true
    end
    blocks[j] = tbl
  end

  if label ~= nil and not used_label then
    return pandoc.Div(blocks, pandoc.Attr(label, {}))
  end
  return blocks
end

function Div(div)
  if not div.classes:includes("cell") then
    return nil
  end
  if div.classes:includes("code") then
    return code_cell(div)
  end
  return div.content
end

-- Whole document ---------------------------------------------------------------

local function dedupe_identifiers(doc)
  local seen = {}
  local function unique(el)
    local id = el.identifier
    if id == nil or id == "" then
      return nil
    end
    if seen[id] == nil then
      seen[id] = 1
      return nil
    end
    local n = seen[id]
    local candidate
    repeat
      candidate = id .. "-" .. n
      n = n + 1
    until seen[candidate] == nil
    seen[id] = n
    seen[candidate] = 1
    el.identifier = candidate
    return el
  end
  return doc:walk({ Header = unique, Div = unique, Figure = unique, Table = unique })
end

local function number_references(doc)
  -- HTML only: "Figur 1: caption", and @fig-x -> "Figur 1".
  local words = WORDS[lang] or WORDS["en"]
  local numbers, counters = {}, { fig = 0, tbl = 0 }
  local function prefix_caption(caption, text)
    local long = caption.long
    if #long == 0 then
      long = pandoc.Blocks({ pandoc.Plain({}) })
    end
    local first = long[1]
    if first.content ~= nil then
      local head = pandoc.Inlines({ pandoc.Span({ pandoc.Str(text .. ":") },
        pandoc.Attr("", { "caption-number" })), pandoc.Space() })
      head:extend(first.content)
      first.content = head
      long[1] = first
    end
    caption.long = long
    return caption
  end
  local function numbered(el)
    local kind = el.identifier:match("^(%a+)%-")
    if kind ~= "fig" and kind ~= "tbl" then
      return nil
    end
    counters[kind] = counters[kind] + 1
    local text = words[kind] .. " " .. counters[kind]
    numbers[el.identifier] = text
    el.caption = prefix_caption(el.caption, text)
    return el
  end
  doc = doc:walk({ Figure = numbered, Table = numbered })
  return doc:walk({
    Cite = function(cite)
      local out = pandoc.Inlines({})
      for k, citation in ipairs(cite.citations) do
        local text = numbers[citation.id]
        if text == nil then
          return nil
        end
        if k > 1 then
          out:insert(pandoc.Str(","))
          out:insert(pandoc.Space())
        end
        out:insert(pandoc.Link(text, "#" .. citation.id))
      end
      return out
    end,
  })
end

local function typst_references(doc)
  -- Typst resolves @label itself; pandoc would write #cite(...) otherwise, which
  -- needs a bibliography.
  local labels = {}
  doc:walk({
    Figure = function(el) labels[el.identifier] = true end,
    Table = function(el) labels[el.identifier] = true end,
  })
  return doc:walk({
    Cite = function(cite)
      for _, citation in ipairs(cite.citations) do
        if not labels[citation.id] then
          return nil
        end
      end
      local out = pandoc.Inlines({})
      for k, citation in ipairs(cite.citations) do
        if k > 1 then
          out:insert(pandoc.Str(","))
          out:insert(pandoc.Space())
        end
        out:insert(pandoc.RawInline("typst", "@" .. citation.id))
      end
      return out
    end,
  })
end

local function replacing_views(doc)
  -- HTML only: move each interactive view into the figure it replaces (see the top).
  local figures = {}
  doc:walk({ Figure = function(fig) figures[fig.identifier] = true end })
  local views = {}
  doc = doc:walk({
    RawBlock = function(raw)
      if raw.format ~= "html" then
        return nil
      end
      local target = raw.text:match('^%s*<%a+[^>]-%sdata%-replaces="([^"]+)"')
      if target == nil or not figures[target] or views[target] ~= nil then
        return nil
      end
      views[target] = raw
      return {}
    end,
  })
  return doc:walk({
    Figure = function(fig)
      local view = views[fig.identifier]
      if view == nil then
        return nil
      end
      fig.content = pandoc.Blocks({ view })
      return fig
    end,
  })
end

function Pandoc(doc)
  echo = doc.meta["handout-echo"] == true
  if doc.meta["lang"] ~= nil then
    lang = stringify(doc.meta["lang"]):match("^(%a+)") or "da"
  end
  doc = doc:walk({ Div = Div })
  doc = doc:walk({ Table = align_numbers })
  doc = dedupe_identifiers(doc)
  if is_html() then
    doc = number_references(doc)
    doc = replacing_views(doc)
    -- wide tables scroll sideways on a phone instead of widening the page
    doc = doc:walk({
      Table = function(tbl)
        return pandoc.Div({ tbl }, pandoc.Attr("", { "table-scroll" }))
      end,
    })
  elseif is_typst() then
    doc = typst_references(doc)
  end
  return doc
end

return { { Pandoc = Pandoc } }
