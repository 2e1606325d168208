--[[
date-line.lua: the handout's date line in Quarto's title block.

Used by helpers.pipeline.render on the Quarto path only. The date line is a sentence
("Spørgeskemaet lukkede 22. februar 2019."), which Quarto would parse as a date had it
been given as `date` (and show as "Udgivet 22. februar 2019" or "2019-02-22"). The
renderer passes it as `date-line` instead; this filter puts it where the format shows
it unchanged: the title block's description in HTML (below the subtitle, without a
label), the date in Typst.
]]

function Meta(meta)
  local line = meta["date-line"]
  if line == nil then
    return nil
  end
  if FORMAT:match("html") then
    meta["description"] = line
  else
    meta["date"] = line
  end
  meta["date-line"] = nil
  return meta
end
